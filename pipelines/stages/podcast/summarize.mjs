// Simulates a call to a flaky remote summarizer: about one call in three gets a 503 and the stage is retried.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const flakeRate = Number(process.env.FLAKE_RATE ?? 1 / 3);
const { topic, segments } = JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8'));
const notes = await readFile(path.join(work, 'notes.md'), 'utf8');

console.log(`attempt ${process.env.PIPE_ATTEMPT ?? 1}: sending ${notes.length} characters of notes to the summarizer`);
await sleep(1000);

if (Math.random() < flakeRate) {
  console.error('summarizer: upstream 503, try again');
  console.log('::pipe:error ERR_UPSTREAM_UNAVAILABLE summarizer answered 503 Service Unavailable');
  process.exitCode = 1;
} else {
  console.log('summarizer accepted the request, waiting for the script');
  await sleep(1500);
  // One paragraph per segment, each built from one section of the notes (sections are reused if there are few).
  const sections = notes.split(/^## /m).slice(1).map((section) => {
    const [heading, ...lines] = section.split('\n');
    const points = lines.filter((l) => l.startsWith('- ')).map((l) => l.slice(2).replace(/ \(.*\)\.$/, ''));
    return { angle: heading.replace(/ \(from .*\)$/, ''), points };
  });
  const paragraphs = Array.from({ length: segments }, (_, i) => {
    const { angle, points } = sections[i % sections.length];
    return `Part ${i + 1}: ${topic}, ${angle}. ${points.join('. ')}. And a short recap before we move on.`;
  });
  const text = `${paragraphs.join('\n\n')}\n`;
  const words = text.split(/\s+/).filter(Boolean).length;
  const file = path.join(work, 'summary.txt');
  await writeFile(file, text);
  // The segments to synthesize, one item each: the next stage fans out over this list.
  await writeFile(path.join(work, 'segments.json'), `${JSON.stringify(paragraphs.map((_, i) => String(i + 1)))}\n`);
  console.log(`script ready: ${paragraphs.length} paragraphs, ${words} words`);
  console.log('::pipe:cost 0.02');
  console.log(`::pipe:checkpoint {"words": ${words}}`);
  console.log(`::pipe:entity summary ${path.relative(process.cwd(), file)} {"words":${words}}`);
}
