import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type BenchResult,
  type InProcessRun,
  countNewlines,
  headAndTail,
  median,
  nodeFloorFigures,
  pause,
  rawNodePipe,
  runInProcess,
  runProcessOk,
  runsNote,
  shQuote,
  stageLog,
  withWorkspace,
  writePipeline,
} from './bench-helpers.js';

const LINES = 1_000_000;
const REPS = 5;
const GOAL_RATIO = 1.5;
/** pipe-tui adds one header and one footer line per attempt to a stage's log. */
const FRAME_LINES = 2;

// awk writes fully buffered to both a file and a pipe, so neither side is held back by the producer.
export const linesCommand = (n: number, text: string): string => `awk 'BEGIN { for (i = 1; i <= ${n}; i++) print "${text} " i }'`;

// The log holds the header, every line in order, the footer.
async function checkLog(run: InProcessRun): Promise<number> {
  const file = stageLog(run, 0);
  const lines = (await countNewlines(file)) - FRAME_LINES;
  const { head, tail } = await headAndTail(file);
  const tailLines = tail.split('\n');
  const lastLogLine = tailLines[tailLines.length - 3];
  if (!head.startsWith('===== pipe-tui: stage ') || !head.includes('\nlog line 1\n')) throw new Error(`log ${file} starts wrongly: ${JSON.stringify(head.slice(0, 120))}`);
  if (lastLogLine !== `log line ${LINES}` || !tailLines[tailLines.length - 2]?.startsWith('===== pipe-tui: succeeded')) {
    throw new Error(`log ${file} ends wrongly: ${JSON.stringify(tail.slice(-160))}`);
  }
  if (lines !== LINES) throw new Error(`log ${file} holds ${lines} lines, expected ${LINES}`);
  return lines;
}

export async function logThroughput(): Promise<BenchResult> {
  return withWorkspace('log', async (ws) => {
    const command = linesCommand(LINES, 'log line');
    const name = 'log1m';
    await writePipeline(ws, name, [{ id: 'flood', run: command }]);
    await writePipeline(ws, 'empty', [{ id: 'empty', run: 'true' }]);
    const target = path.join(ws, 'shell-out.log');
    const shellArgs = ['-c', `${command} > ${shQuote(target)}`];

    // Warm-up both paths (page cache, JIT, the awk binary).
    await runProcessOk('/bin/sh', shellArgs);
    await rawNodePipe(command, target);
    const warm = await runInProcess(ws, name);
    await checkLog(warm);
    await rm(warm.dir, { recursive: true, force: true });

    const shell: number[] = [];
    const raw: number[] = [];
    const engine: number[] = [];
    const fixed: number[] = [];
    let lines = 0;
    for (let r = 0; r < REPS; r++) {
      await rm(target, { force: true });
      shell.push(await runProcessOk('/bin/sh', shellArgs));
      const shellLines = await countNewlines(target);
      if (shellLines !== LINES) throw new Error(`shell redirect wrote ${shellLines} lines, expected ${LINES}`);
      await pause();
      await rm(target, { force: true });
      raw.push(await rawNodePipe(command, target));
      const rawLines = await countNewlines(target);
      if (rawLines !== LINES) throw new Error(`raw node pipe wrote ${rawLines} lines, expected ${LINES}`);
      await pause();
      const empty = await runInProcess(ws, 'empty');
      fixed.push(empty.ms);
      await rm(empty.dir, { recursive: true, force: true });
      await pause();
      const run = await runInProcess(ws, name);
      engine.push(run.ms);
      lines = await checkLog(run);
      // Keep the disk from filling with 17 MB logs, and each run on an equal footing.
      await rm(run.dir, { recursive: true, force: true });
      await pause();
    }

    const shellMs = median(shell);
    const engineMs = median(engine);
    const rawMs = median(raw);
    return {
      name: 'log-throughput',
      title: `Log throughput: one stage printing ${LINES.toLocaleString('en-US')} lines (median of ${REPS})`,
      figures: [
        { key: 'shell_redirect_ms', label: "sh -c 'CMD > file'", value: shellMs, unit: 'ms', digits: 1 },
        { key: 'pipe_tui_ms', label: 'pipe-tui in-process, one stage `run: CMD`', value: engineMs, unit: 'ms', digits: 1 },
        { key: 'ratio', label: 'pipe-tui / shell redirect', value: engineMs / shellMs, unit: '×', digits: 2, goal: { max: GOAL_RATIO, text: `≤ ${GOAL_RATIO}×` } },
        ...nodeFloorFigures(shellMs, rawMs, engineMs),
        { key: 'fixed_run_ms', label: 'pipe-tui fixed cost: one-stage `true` run', value: median(fixed), unit: 'ms', digits: 1 },
        { key: 'log_lines', label: 'lines in the stage log (header/footer excluded)', value: lines, unit: '', digits: 0 },
        { key: 'pipe_tui_lines_per_s', label: 'pipe-tui log lines per second', value: LINES / (engineMs / 1000), unit: 'lines/s', digits: 0 },
      ],
      notes: [
        `CMD: ${command}`,
        runsNote('shell', shell),
        runsNote('bare node pipe', raw),
        runsNote('pipe-tui', engine),
      ],
    };
  });
}
