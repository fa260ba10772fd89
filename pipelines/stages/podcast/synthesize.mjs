// Simulates text-to-speech for one segment (one item of the fan-out): renders paragraph PIPE_ITEM of the script
// as an audio segment (a text stand-in). The pipeline runs a few of these at once.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const index = Number(process.env.PIPE_ITEM ?? 1);
const { voice } = JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8'));
const paragraphs = (await readFile(path.join(work, 'summary.txt'), 'utf8')).split(/\n\n+/).map((p) => p.trim()).filter(Boolean);
const text = paragraphs[index - 1] ?? '';
await mkdir(path.join(work, 'segments'), { recursive: true });

console.log(`synthesizing segment ${index} of ${paragraphs.length} with voice ${voice}`);
await sleep(1500 + Math.random() * 1000);
const seconds = Math.round(text.split(/\s+/).length / 2.5);
const file = path.join(work, 'segments', `segment-${String(index).padStart(2, '0')}.txt`);
await writeFile(file, `[audio ${seconds}s, voice ${voice}]\n${text}\n`);
console.log(`segment ${index}: ${seconds}s of audio`);
console.log('::pipe:cost 0.005');
console.log(`::pipe:entity segment ${path.relative(process.cwd(), file)} {"index":${index},"seconds":${seconds}}`);
