// Simulates designing the episode's cover art from the script, beside the synthesis (it needs only the script).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const { topic } = JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8'));
for (let step = 1; step <= 4; step++) {
  console.log(`::pipe:progress ${step - 1}/4 Sketching cover, pass ${step}`);
  await sleep(800);
}
const file = path.join(work, 'cover.txt');
await writeFile(file, `[cover art: ${topic}, in warm colours]\n`);
console.log('::pipe:progress 4/4 Cover ready');
console.log(`::pipe:entity cover ${path.relative(process.cwd(), file)} {"topic":${JSON.stringify(topic)}}`);
