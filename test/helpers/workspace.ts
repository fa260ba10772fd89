import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRun } from '../../src/daemon/engine/create-run.js';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import type { History } from '../../src/daemon/engine/history-writer.js';
import { loadPipeline } from '../../src/workspace/pipeline-files.js';
import { runPipeline } from '../../src/daemon/engine/pipeline-runner.js';
import type { RunRecorder } from '../../src/daemon/engine/run-recorder.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { resolveParams } from '../../src/shared/parse-pipeline.js';

const made: string[] = [];

// A fresh workspace in the temp folder with the given pipelines written into pipelines/.
export async function tempWorkspace(pipelines: Record<string, string> = {}): Promise<string> {
  const ws = await mkdtemp(path.join(tmpdir(), 'pipe-tui-test-'));
  made.push(ws);
  await mkdir(path.join(ws, 'pipelines'));
  for (const [name, yaml] of Object.entries(pipelines)) await writeFile(path.join(ws, 'pipelines', `${name}.yaml`), yaml);
  return ws;
}

// A daemon a test started through the TUI or the CLI dies with its workspace, so none outlives the suite.
export async function removeWorkspaces(): Promise<void> {
  const list = made.splice(0);
  for (const ws of list) {
    const pid = lockHolder(daemonPaths(ws).pid);
    if (pid === null) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      continue;
    }
    await waitFor(`daemon ${pid} to die`, () => !isAlive(pid));
  }
  await Promise.all(list.map((ws) => rm(ws, { recursive: true, force: true })));
}

export interface Ran {
  final: RunMetadata;
  recorder: RunRecorder;
}

// Runs a pipeline of the workspace in this process through the real runner, real processes and real files.
export async function runIn(
  ws: string,
  name: string,
  options: { params?: Record<string, string>; signal?: AbortSignal; graceMs?: number; onStart?: (r: RunRecorder) => void; history?: History } = {},
): Promise<Ran> {
  const pipeline = await loadPipeline(ws, name);
  const recorder = await createRun(ws, pipeline, resolveParams(pipeline.spec, options.params ?? {}));
  options.onStart?.(recorder);
  const final = await runPipeline({ pipeline: pipeline.spec, recorder, workspace: ws, signal: options.signal, graceMs: options.graceMs, history: options.history });
  await recorder.close();
  return { final, recorder };
}

// Polls until `check` returns a truthy value; fails with `what` when the deadline passes. Never a bare sleep.
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// A zombie (dead, not yet reaped by whoever adopted it) counts as gone.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
