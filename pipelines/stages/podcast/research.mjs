// Simulates a research step: queries a few paid sources about the topic and writes up notes.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');
const { topic } = JSON.parse(await readFile(path.join(work, 'input.json'), 'utf8'));

const sources = [
  { name: 'encyclopedia', angle: 'what it is' },
  { name: 'physics-lecture-notes', angle: 'how it works' },
  { name: 'science-history-archive', angle: 'who figured it out' },
  { name: 'myth-busting-forum', angle: 'common misconceptions' },
  { name: 'field-guide', angle: 'where to see it yourself' },
];

const phrasings = [
  `A short definition of ${topic} that a ten-year-old would follow`,
  `The one diagram everybody uses to explain ${topic}`,
  `A number worth quoting about ${topic}`,
  `An analogy from the kitchen that makes ${topic} click`,
  `A mistake textbooks used to make about ${topic}`,
  `A quote from an expert on ${topic}`,
];
const notes = [`# Research notes: ${topic}`, ''];
for (const [i, source] of sources.entries()) {
  console.log(`::pipe:progress ${i}/${sources.length} Querying ${source.name}`);
  await sleep(700 + Math.random() * 400);
  const findings = 2 + Math.floor(Math.random() * 3);
  console.log(`${source.name}: ${findings} relevant passages on ${source.angle}`);
  console.log('::pipe:cost 0.01');
  notes.push(`## ${source.angle} (from ${source.name})`, '');
  for (let k = 0; k < findings; k++) notes.push(`- ${phrasings[(i + k) % phrasings.length]} (${source.angle}).`);
  notes.push('');
}
console.log(`::pipe:progress ${sources.length}/${sources.length} All sources queried`);

const file = path.join(work, 'notes.md');
await writeFile(file, notes.join('\n'));
console.log(`notes: ${notes.length} lines from ${sources.length} sources`);
console.log(`::pipe:entity notes ${path.relative(process.cwd(), file)} {"sources":${sources.length}}`);
