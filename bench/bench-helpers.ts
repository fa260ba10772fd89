import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { open, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { createRun } from '../src/daemon/engine/create-run.js';
import { daemonPaths } from '../src/workspace/layout.js';
import { loadPipeline } from '../src/workspace/pipeline-files.js';
import { runPipeline } from '../src/daemon/engine/pipeline-runner.js';
import { EVENTS_FILE } from '../src/workspace/layout.js';
import type { RunMetadata } from '../src/shared/metadata-schema.js';
import { resolveParams } from '../src/shared/parse-pipeline.js';
import { DaemonConnection } from '../src/client/daemon-connection.js';

/** The repository root (bench/..), where bin/pipe-tui.js lives. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_BIN = path.join(REPO_ROOT, 'bin', 'pipe-tui.js');

/** A figure passes when its value is at most `max`. */
export interface Goal {
  max: number;
  /** How the goal reads in the table, e.g. "≤ 15 ms". */
  text: string;
}

export interface Figure {
  /** Key in BENCH_JSON. */
  key: string;
  label: string;
  value: number;
  unit: string;
  digits?: number;
  /** Informational figures have none. */
  goal?: Goal;
}

export interface BenchResult {
  name: string;
  title: string;
  figures: Figure[];
  notes: string[];
}

export const passes = (f: Figure): boolean | null => (f.goal ? f.value <= f.goal.max : null);

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** A fresh temp workspace under os.tmpdir(); always pair with `removeWorkspace`. */
export async function makeWorkspace(tag: string): Promise<string> {
  const ws = await mkdtemp(path.join(os.tmpdir(), `pipe-tui-bench-${tag}-`));
  await mkdir(path.join(ws, 'pipelines'));
  return ws;
}

export async function removeWorkspace(ws: string): Promise<void> {
  await rm(ws, { recursive: true, force: true });
}

export async function withWorkspace<T>(tag: string, fn: (ws: string) => Promise<T>): Promise<T> {
  const ws = await makeWorkspace(tag);
  try {
    return await fn(ws);
  } finally {
    await removeWorkspace(ws);
  }
}

export interface StageDef {
  id: string;
  run: string | string[];
}

/** Writes pipelines/<name>.yaml. JSON is valid YAML, and it spares quoting shell commands by hand. */
export async function writePipeline(ws: string, name: string, stages: StageDef[]): Promise<void> {
  await writeFile(path.join(ws, 'pipelines', `${name}.yaml`), `${JSON.stringify({ name, stages }, null, 2)}\n`);
}

export interface InProcessRun {
  /** Wall time from loading the pipeline file to the recorder closed (metadata.json current). */
  ms: number;
  final: RunMetadata;
  dir: string;
  metadataWrites: number;
}

/** Runs a pipeline with the engine inside this process, as `run --foreground` does, minus the CLI. */
export async function runInProcess(ws: string, name: string): Promise<InProcessRun> {
  const start = performance.now();
  const pipeline = await loadPipeline(ws, name);
  const recorder = await createRun(ws, pipeline, resolveParams(pipeline.spec, {}));
  let final: RunMetadata;
  try {
    final = await runPipeline({ pipeline: pipeline.spec, recorder, workspace: ws });
  } finally {
    await recorder.close();
  }
  const ms = performance.now() - start;
  if (final.status !== 'succeeded') {
    throw new Error(`bench pipeline ${name} ended ${final.status}: ${JSON.stringify(final.error)}`);
  }
  return { ms, final, dir: recorder.dir, metadataWrites: recorder.metadataWrites };
}

/** Absolute path of stage `index`'s log in a finished run. */
export function stageLog(run: InProcessRun, index: number): string {
  const log = run.final.stages[index]?.log;
  if (!log) throw new Error(`run has no stage ${index}`);
  return path.join(run.dir, log);
}

export interface ProcResult {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Spawns a process with stdout discarded and waits for it to close; times spawn to close. */
export function runProcess(file: string, args: string[], options: { cwd?: string } = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 4000) stderr += s;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ ms: performance.now() - start, code, signal, stderr }));
  });
}

// The floor for any engine written in Node: the same command spawned with child_process, its `stream` read from
// the pipe and appended to a file with writeSync, nothing else. Separates the cost of the pipe from pipe-tui's.
export function rawNodePipe(command: string, file: string, stream: 'stdout' | 'stderr' = 'stdout'): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'w');
    const start = performance.now();
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    child[stream].on('data', (chunk: Buffer) => {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
    });
    child[stream === 'stdout' ? 'stderr' : 'stdout'].resume();
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - start;
      closeSync(fd);
      if (code === 0) resolve(ms);
      else reject(new Error(`raw pipe run exited ${code}`));
    });
  });
}

/** The bare Node pipe against the shell and against pipe-tui: the figures of each shell-vs-stage benchmark. */
export function nodeFloorFigures(shellMs: number, rawMs: number, engineMs: number): Figure[] {
  return [
    { key: 'raw_node_pipe_ms', label: 'bare node: child_process pipe + writeSync to a file', value: rawMs, unit: 'ms', digits: 1 },
    { key: 'raw_ratio', label: 'bare node pipe / shell redirect (the floor for Node)', value: rawMs / shellMs, unit: '×', digits: 2 },
    { key: 'pipe_tui_vs_raw_ratio', label: 'pipe-tui / bare node pipe', value: engineMs / rawMs, unit: '×', digits: 2 },
  ];
}

/** Every sample of one path, for a benchmark's notes. */
export const runsNote = (what: string, ms: number[]): string => `${what} runs (ms): ${ms.map((v) => v.toFixed(1)).join(', ')}`;

/** Throws unless the process exited 0. */
export async function runProcessOk(file: string, args: string[], options: { cwd?: string } = {}): Promise<number> {
  const result = await runProcess(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim()}`);
  }
  return result.ms;
}

/** Counts one byte value (a newline, a `\r`) in a file without holding the whole file in memory. */
export async function countByte(file: string, byte: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let count = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let at = buffer.indexOf(byte, 0);
      while (at >= 0 && at < bytesRead) {
        count++;
        at = buffer.indexOf(byte, at + 1);
      }
    }
    return count;
  } finally {
    await handle.close();
  }
}

export const countNewlines = (file: string): Promise<number> => countByte(file, 0x0a);

/** The first and last `bytes` of a file, as text: enough to check a log's header, footer and last line. */
export async function headAndTail(file: string, bytes = 256): Promise<{ head: string; tail: string; size: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(bytes, size));
    const tail = Buffer.alloc(Math.min(bytes, size));
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, size - tail.length);
    return { head: head.toString('utf8'), tail: tail.toString('utf8'), size };
  } finally {
    await handle.close();
  }
}

/** Lines of a small text file (events.ndjson), the trailing newline not making an empty last line. */
export async function readLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter((l) => l.length > 0);
}

export async function readEvents(run: InProcessRun): Promise<{ type: string }[]> {
  return (await readLines(path.join(run.dir, EVENTS_FILE))).map((l) => JSON.parse(l) as { type: string });
}

/** Single-quotes a string for /bin/sh. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Lets the event loop and GC settle between measurements. */
export const pause = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The p-th percentile (0–100), nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Milliseconds (µs precision) on CLOCK_MONOTONIC, the one clock all processes on a machine share. Not
 * `performance.timeOrigin + performance.now()`: a process pairs its wall clock and monotonic clock once when it
 * starts, and one descheduled in between (several starting at once on a busy machine) is off by milliseconds
 * for its whole life. A stage script reads the same clock as MONOTONIC_MS_JS.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;
/** The same clock, as JavaScript source for a stage script. */
export const MONOTONIC_MS_JS = '(() => Number(process.hrtime.bigint() / 1000n) / 1000)';

export interface BenchDaemon {
  ws: string;
  pid: number;
  /** A new feed connection, handshake done. */
  connect(): Promise<DaemonConnection>;
}

/** A real daemon for `ws`, started detached by the built binary as a user's command would; always stopped after `fn`. */
export async function withDaemon<T>(ws: string, flags: string[], fn: (daemon: BenchDaemon) => Promise<T>): Promise<T> {
  const started = await execa(process.execPath, [CLI_BIN, 'daemon', 'start', '--workspace', ws, '--json', ...flags], { reject: false });
  if (started.exitCode !== 0) throw new Error(`daemon start exited ${started.exitCode}: ${String(started.stderr).trim()}`);
  const { pid } = JSON.parse(String(started.stdout)) as { pid: number };
  const socket = daemonPaths(ws).socket;
  try {
    return await fn({ ws, pid, connect: () => DaemonConnection.connect({ socket }) });
  } finally {
    const stopped = await runProcess(process.execPath, [CLI_BIN, 'daemon', 'stop', '--force', '--workspace', ws]);
    if (stopped.code !== 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

let clockTicks: number | null = null;

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat (Linux only). */
export function cpuSeconds(pid: number): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)" start at field 3 (state); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Resolves when `check` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(10);
  }
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Half-made cache entries (`PATH.building-PID`, then renamed to PATH when whole) of processes that died making
 * them: removed, so a killed bench does not leave gigabytes behind.
 */
export function removeDeadBuilds(target: string): void {
  const dir = path.dirname(target);
  const prefix = `${path.basename(target)}.building-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!/^\d+$/.test(pid)) continue;
    try {
      process.kill(Number(pid), 0);
      continue; // still being made
    } catch {
      // its maker is gone
    }
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}
