// Packs the manifest's files into out/archive/sources.tar.gz (a plain ustar archive, gzip level 9).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGzip } from 'node:zlib';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const pace = Number(process.env.PACE_MS ?? 0);
const manifest = JSON.parse(await readFile(path.join(work, 'manifest.json'), 'utf8'));
const archive = 'out/archive/sources.tar.gz';
const manifestOut = 'out/archive/manifest.json';

// One 512-byte ustar header. Numbers are octal text; the checksum is summed with its own field as spaces.
function tarHeader(name, size, mtime) {
  const header = Buffer.alloc(512);
  const put = (text, offset, length) => header.write(text, offset, length, 'utf8');
  const octal = (n, length) => `${n.toString(8).padStart(length - 1, '0')}\0`;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) [prefix, name] = [name.slice(0, name.lastIndexOf('/')), name.slice(name.lastIndexOf('/') + 1)];
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  put(' '.repeat(8), 148, 8);
  put('0', 156, 1);
  put('ustar\u000000', 257, 8);
  put(prefix, 345, 155);
  const sum = header.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

let changed = 0;
let bytesIn = 0;
async function* tarEntries() {
  for (const [i, entry] of manifest.files.entries()) {
    const data = await readFile(entry.path);
    const digest = createHash('sha256').update(data).digest('hex');
    if (digest !== entry.sha256) {
      // Edited since the hash stage: the manifest must describe what the archive holds.
      console.log(`warning: ${entry.path} changed since it was hashed; manifest updated`);
      Object.assign(entry, { sha256: digest, size: data.length });
      changed++;
    }
    yield tarHeader(entry.path, data.length, Math.floor((await stat(entry.path)).mtimeMs / 1000));
    yield data;
    yield Buffer.alloc((512 - (data.length % 512)) % 512);
    bytesIn += data.length;
    console.log(`::pipe:progress ${i + 1}/${manifest.files.length} ${entry.path}`);
    await sleep(pace);
  }
  yield Buffer.alloc(1024); // two empty blocks end a tar archive
}

// Built next to its final name and renamed, so a reader never sees half an archive.
await mkdir(path.dirname(archive), { recursive: true });
const tmp = `${archive}.tmp-${process.pid}`;
await pipeline(tarEntries(), createGzip({ level: 9 }), createWriteStream(tmp));
await rename(tmp, archive);
await writeFile(`${manifestOut}.tmp-${process.pid}`, `${JSON.stringify(manifest, null, 2)}\n`);
await rename(`${manifestOut}.tmp-${process.pid}`, manifestOut);

const bytesOut = (await stat(archive)).size;
const ratio = Math.round((bytesOut / bytesIn) * 1000) / 1000;
console.log(`${archive}: ${bytesIn} bytes in, ${bytesOut} bytes out (${Math.round(ratio * 100)}%)${changed ? `, ${changed} files re-hashed` : ''}`);
console.log(`::pipe:checkpoint ${JSON.stringify({ bytes_in: bytesIn, bytes_out: bytesOut, ratio })}`);
console.log(`::pipe:entity archive ${archive} {"files":${manifest.files.length},"bytes":${bytesOut}}`);
