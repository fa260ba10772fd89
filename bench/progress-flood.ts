import { rm } from 'node:fs/promises';
import {
  type BenchResult,
  type InProcessRun,
  countNewlines,
  median,
  pause,
  readEvents,
  runInProcess,
  stageLog,
  withWorkspace,
  writePipeline,
} from './bench-helpers.js';

const LINES = 200_000;
const REPS = 3;
const GOAL_RATIO = 1.5;
/** "A few tens a second at most." */
const GOAL_WRITES_PER_S = 40;
/** The sustained variant: the same lines in bursts spread over about two seconds. */
const BURSTS = 20;
const BURST_GAP_S = 0.1;

const awkLines = (n: number, text: string, offset = '0'): string =>
  `awk -v o=${offset} 'BEGIN { for (i = 1; i <= ${n}; i++) print "${text}" (o + i) "/${LINES}" }'`;

const PLAIN = awkLines(LINES, 'plain:line ');
const PROGRESS = awkLines(LINES, '::pipe:progress ');
const perBurst = LINES / BURSTS;
const SUSTAINED = `b=0; while [ $b -lt ${BURSTS} ]; do ${awkLines(perBurst, '::pipe:progress ', `$((b * ${perBurst}))`)}; sleep ${BURST_GAP_S}; b=$((b + 1)); done`;

interface Measured {
  run: InProcessRun;
  events: number;
  progressEvents: number;
}

async function measure(ws: string, name: string, expectLogLines: number): Promise<Measured> {
  const run = await runInProcess(ws, name);
  const logLines = await countNewlines(stageLog(run, 0));
  if (logLines !== expectLogLines) throw new Error(`${name}: stage log holds ${logLines} lines, expected ${expectLogLines}`);
  const events = await readEvents(run);
  const stage = run.final.stages[0];
  if (name !== 'plain' && (stage?.progress?.current !== LINES || stage.progress.total !== LINES)) {
    throw new Error(`${name}: last progress recorded is ${JSON.stringify(stage?.progress)}, expected ${LINES}/${LINES}`);
  }
  await rm(run.dir, { recursive: true, force: true });
  return { run, events: events.length, progressEvents: events.filter((e) => e.type === 'stage.progress').length };
}

export async function progressFlood(): Promise<BenchResult> {
  return withWorkspace('progress', async (ws) => {
    await writePipeline(ws, 'plain', [{ id: 'plain', run: PLAIN }]);
    await writePipeline(ws, 'progress', [{ id: 'progress', run: PROGRESS }]);
    await writePipeline(ws, 'sustained', [{ id: 'sustained', run: SUSTAINED }]);

    // Plain lines all reach the log; progress lines none, only the header and footer.
    const plainLog = LINES + 2;
    const progressLog = 2;
    await measure(ws, 'plain', plainLog);
    await measure(ws, 'progress', progressLog);

    const plain: Measured[] = [];
    const progress: Measured[] = [];
    for (let r = 0; r < REPS; r++) {
      plain.push(await measure(ws, 'plain', plainLog));
      await pause();
      progress.push(await measure(ws, 'progress', progressLog));
      await pause();
    }
    const sustained = await measure(ws, 'sustained', progressLog);

    const plainMs = median(plain.map((m) => m.run.ms));
    const progressMs = median(progress.map((m) => m.run.ms));
    // The figures of the run whose time is the median, so writes and time belong together.
    const mid = [...progress].sort((a, b) => a.run.ms - b.run.ms)[Math.floor(progress.length / 2)] ?? progress[0];
    if (!mid) throw new Error('no progress runs');
    const plainWrites = median(plain.map((m) => m.run.metadataWrites));
    const writes = mid.run.metadataWrites;
    const sustainedS = sustained.run.ms / 1000;

    return {
      name: 'progress-flood',
      title: `Progress flood: ${LINES.toLocaleString('en-US')} \`::pipe:progress i/${LINES}\` lines in one stage (median of ${REPS})`,
      figures: [
        { key: 'plain_ms', label: `${LINES.toLocaleString('en-US')} plain lines through pipe-tui`, value: plainMs, unit: 'ms', digits: 1 },
        { key: 'progress_ms', label: `${LINES.toLocaleString('en-US')} progress lines through pipe-tui`, value: progressMs, unit: 'ms', digits: 1 },
        { key: 'ratio', label: 'progress / plain', value: progressMs / plainMs, unit: '×', digits: 2, goal: { max: GOAL_RATIO, text: `≤ ${GOAL_RATIO}×` } },
        { key: 'metadata_writes', label: 'metadata.json writes (progress run)', value: writes, unit: '', digits: 0 },
        { key: 'plain_metadata_writes', label: 'metadata.json writes (plain run, status changes only)', value: plainWrites, unit: '', digits: 0 },
        {
          key: 'writes_per_s',
          label: 'metadata.json writes per second (progress run)',
          value: writes / (mid.run.ms / 1000),
          unit: '/s',
          digits: 1,
          goal: { max: GOAL_WRITES_PER_S, text: `≤ ${GOAL_WRITES_PER_S}/s` },
        },
        { key: 'events', label: 'events in events.ndjson (progress run)', value: mid.events, unit: '', digits: 0 },
        { key: 'progress_events', label: 'of which stage.progress', value: mid.progressEvents, unit: '', digits: 0 },
        { key: 'sustained_ms', label: `sustained: same lines in ${BURSTS} bursts ${BURST_GAP_S * 1000} ms apart, time`, value: sustained.run.ms, unit: 'ms', digits: 0 },
        { key: 'sustained_metadata_writes', label: 'sustained: metadata.json writes', value: sustained.run.metadataWrites, unit: '', digits: 0 },
        {
          key: 'sustained_writes_per_s',
          label: 'sustained: metadata.json writes per second',
          value: sustained.run.metadataWrites / sustainedS,
          unit: '/s',
          digits: 1,
          goal: { max: GOAL_WRITES_PER_S, text: `≤ ${GOAL_WRITES_PER_S}/s` },
        },
        { key: 'sustained_events', label: 'sustained: events in events.ndjson', value: sustained.events, unit: '', digits: 0 },
        { key: 'sustained_progress_events_per_s', label: 'sustained: stage.progress events per second', value: sustained.progressEvents / sustainedS, unit: '/s', digits: 1 },
      ],
      notes: [
        `plain runs (ms): ${plain.map((m) => m.run.ms.toFixed(1)).join(', ')}`,
        `progress runs (ms): ${progress.map((m) => m.run.ms.toFixed(1)).join(', ')}; writes: ${progress.map((m) => m.run.metadataWrites).join(', ')}; events: ${progress.map((m) => m.events).join(', ')}`,
        `progress CMD: ${PROGRESS}`,
      ],
    };
  });
}
