// Simulates an intake step: checks the episode parameters and writes the brief the later stages work from.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const topic = (process.env.PIPE_PARAM_TOPIC ?? '').replace(/\s+/g, ' ').trim();
const segments = Number(process.env.PIPE_PARAM_SEGMENTS ?? 6);
const work = path.join(process.env.PIPE_RUN_DIR ?? 'out/manual', 'work');

const problem = !topic
  ? 'topic is empty (-p topic="...")'
  : !Number.isInteger(segments) || segments < 1 || segments > 12
    ? `segments must be a whole number from 1 to 12, got "${process.env.PIPE_PARAM_SEGMENTS}"`
    : null;

if (problem) {
  // A stage's own error code shows in the error panel; exitCode (not process.exit) lets the line flush first.
  console.log(`::pipe:error ERR_PARAM_INVALID ${problem}`);
  process.exitCode = 2;
} else {
  console.log(`preparing an episode on "${topic}" in ${segments} segments`);
  await sleep(800);
  const brief = {
    topic,
    segments,
    title: `Five Minutes On: ${topic[0].toUpperCase()}${topic.slice(1)}`,
    voice: 'narrator-warm',
    run_id: process.env.PIPE_RUN_ID ?? null,
    created_at: new Date().toISOString(),
  };
  await mkdir(work, { recursive: true });
  const file = path.join(work, 'input.json');
  await writeFile(file, `${JSON.stringify(brief, null, 2)}\n`);
  await sleep(500);
  console.log(`brief written: "${brief.title}"`);
  console.log(`::pipe:entity input ${path.relative(process.cwd(), file)} ${JSON.stringify({ topic, segments })}`);
}
