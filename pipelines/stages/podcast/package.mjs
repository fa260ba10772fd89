// Simulates mastering: joins the audio segments into one episode file, replaced atomically on each run.
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const brief = JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8'));
const names = (await readdir(path.join(work, 'segments'))).filter((f) => f.endsWith('.txt')).sort();

console.log(`mastering ${names.length} segments`);
const parts = [];
let seconds = 0;
for (const name of names) {
  const text = await readFile(path.join(work, 'segments', name), 'utf8');
  seconds += Number(/\[audio (\d+)s/.exec(text)?.[1] ?? 0);
  parts.push(text.trim());
  await sleep(200);
}
const header = [`TITLE  ${brief.title}`, `LENGTH ${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`, `RUN    ${brief.run_id}`, ''];
const episode = `${header.join('\n')}\n${parts.join('\n\n')}\n`;

// Written next to its final name, then renamed: a reader never sees half an episode.
const out = 'out/podcast/latest.mp3.txt';
await mkdir(path.dirname(out), { recursive: true });
await writeFile(`${out}.tmp-${process.pid}`, episode);
await rename(`${out}.tmp-${process.pid}`, out);
await sleep(500);
console.log(`episode: ${out} (${episode.length} bytes, ${seconds}s)`);
console.log(`::pipe:entity episode ${out} {"seconds":${seconds},"segments":${names.length}}`);
