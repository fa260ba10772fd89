// Hashes every listed file with sha256 and writes the manifest the archive is checked against.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const pace = Number(process.env.PACE_MS ?? 0);
const files = JSON.parse(await readFile(path.join(work, 'files.json'), 'utf8'));

// Streams the file through the hash, so a big file never sits in memory whole.
async function sha256(file) {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: hash.digest('hex'), size };
}

const manifest = { algorithm: 'sha256', created_at: new Date().toISOString(), run_id: process.env.PIPE_RUN_ID ?? null, files: [] };
for (const [i, { path: file }] of files.entries()) {
  const { digest, size } = await sha256(file);
  manifest.files.push({ path: file, size, sha256: digest });
  console.log(`${digest}  ${file}`);
  console.log(`::pipe:progress ${i + 1}/${files.length} ${file}`);
  await sleep(pace);
}

const out = path.join(work, 'manifest.json');
await writeFile(out, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`manifest: ${manifest.files.length} files`);
console.log(`::pipe:entity manifest ${path.relative(process.cwd(), out)} {"algorithm":"sha256","files":${manifest.files.length}}`);
