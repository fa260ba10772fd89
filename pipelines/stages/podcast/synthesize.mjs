// Simulates text-to-speech: renders each paragraph of the script as one audio segment (a text stand-in).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const { voice } = JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8'));
const paragraphs = (await readFile(path.join(work, 'summary.txt'), 'utf8')).split(/\n\n+/).map((p) => p.trim()).filter(Boolean);
const total = paragraphs.length;
await mkdir(path.join(work, 'segments'), { recursive: true });

console.log(`synthesizing ${total} segments with voice ${voice}`);
for (const [i, text] of paragraphs.entries()) {
  const index = i + 1;
  console.log(`::pipe:progress ${i}/${total} Synthesizing segment ${index}`);
  await sleep(700 + Math.random() * 300);
  const seconds = Math.round(text.split(/\s+/).length / 2.5);
  const file = path.join(work, 'segments', `segment-${String(index).padStart(2, '0')}.txt`);
  await writeFile(file, `[audio ${seconds}s, voice ${voice}]\n${text}\n`);
  console.log(`segment ${index}/${total}: ${seconds}s of audio`);
  console.log('::pipe:cost 0.005');
  console.log(`::pipe:entity segment ${path.relative(process.cwd(), file)} {"index":${index},"seconds":${seconds}}`);
}
console.log(`::pipe:progress ${total}/${total} All segments synthesized`);
