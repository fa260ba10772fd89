import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type BenchResult,
  type InProcessRun,
  countNewlines,
  median,
  pause,
  runInProcess,
  runProcessOk,
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

async function headAndTail(file: string, bytes = 256): Promise<{ head: string; tail: string }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(bytes, size));
    const tail = Buffer.alloc(Math.min(bytes, size));
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, size - tail.length);
    return { head: head.toString('utf8'), tail: tail.toString('utf8') };
  } finally {
    await handle.close();
  }
}

// The floor for any engine written in Node: the same command spawned with child_process, its stdout read from
// the pipe and appended to a file with writeSync, nothing else. Separates the cost of the pipe from pipe-tui's.
function rawNodePipe(command: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'w');
    const start = performance.now();
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
    });
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - start;
      closeSync(fd);
      if (code === 0) resolve(ms);
      else reject(new Error(`raw pipe run exited ${code}`));
    });
  });
}

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
        { key: 'raw_node_pipe_ms', label: 'bare node: child_process pipe + writeSync to a file', value: rawMs, unit: 'ms', digits: 1 },
        { key: 'raw_ratio', label: 'bare node pipe / shell redirect (the floor for Node)', value: rawMs / shellMs, unit: '×', digits: 2 },
        { key: 'pipe_tui_vs_raw_ratio', label: 'pipe-tui / bare node pipe', value: engineMs / rawMs, unit: '×', digits: 2 },
        { key: 'fixed_run_ms', label: 'pipe-tui fixed cost: one-stage `true` run', value: median(fixed), unit: 'ms', digits: 1 },
        { key: 'log_lines', label: 'lines in the stage log (header/footer excluded)', value: lines, unit: '', digits: 0 },
        { key: 'pipe_tui_lines_per_s', label: 'pipe-tui log lines per second', value: LINES / (engineMs / 1000), unit: 'lines/s', digits: 0 },
      ],
      notes: [
        `CMD: ${command}`,
        `shell runs (ms): ${shell.map((v) => v.toFixed(1)).join(', ')}`,
        `bare node pipe runs (ms): ${raw.map((v) => v.toFixed(1)).join(', ')}`,
        `pipe-tui runs (ms): ${engine.map((v) => v.toFixed(1)).join(', ')}`,
      ],
    };
  });
}
