// Checks the archive: decompresses it, reads every tar entry and compares its size and sha256 with the manifest.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const manifest = JSON.parse(await readFile('out/archive/manifest.json', 'utf8'));
const expected = new Map(manifest.files.map((f) => [f.path, f]));
const problems = [];

let tar = Buffer.alloc(0);
let readable = true;
try {
  tar = gunzipSync(await readFile('out/archive/sources.tar.gz'));
  console.log(`decompressed ${tar.length} bytes`);
} catch (error) {
  problems.push(`cannot decompress: ${error.message}`);
  readable = false;
}

const text = (offset, length) => tar.toString('utf8', offset, offset + length).replace(/\0.*$/s, '');
let checked = 0;
for (let offset = 0; offset + 512 <= tar.length && tar[offset] !== 0; ) {
  const header = tar.subarray(offset, offset + 512);
  const stored = parseInt(text(offset + 148, 8).trim(), 8);
  const sum = header.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 32 : b), 0);
  const name = [text(offset + 345, 155), text(offset, 100)].filter(Boolean).join('/');
  const size = parseInt(text(offset + 124, 12), 8);
  const data = tar.subarray(offset + 512, offset + 512 + size);
  offset += 512 + Math.ceil(size / 512) * 512;

  const want = expected.get(name);
  expected.delete(name);
  const digest = createHash('sha256').update(data).digest('hex');
  if (stored !== sum) problems.push(`${name}: header checksum is wrong`);
  else if (!want) problems.push(`${name}: in the archive but not in the manifest`);
  else if (data.length !== want.size || digest !== want.sha256) problems.push(`${name}: content differs from the manifest`);
  checked++;
  console.log(`::pipe:progress ${Math.min(checked, manifest.files.length)}/${manifest.files.length} ${name}`);
}
// Every manifest file must have been in the archive (not worth listing when it could not be read at all).
if (readable) {
  for (const name of expected.keys()) problems.push(`${name}: in the manifest but not in the archive`);
}

const report = { ok: problems.length === 0, checked, expected: manifest.files.length, problems, verified_at: new Date().toISOString() };
const file = path.join(work, 'verify.json');
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`::pipe:entity report ${path.relative(process.cwd(), file)} {"ok":${report.ok}}`);
if (report.ok) {
  console.log(`archive OK: ${checked} files match the manifest`);
} else {
  for (const problem of problems) console.log(problem);
  console.log(`::pipe:error ERR_ARCHIVE_CORRUPT ${problems.length} problem(s), first: ${problems[0]}`);
  process.exitCode = 1;
}
