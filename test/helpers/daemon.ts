import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import type { RunEvent } from '../../src/shared/events.js';
import { type RunMetadata, RunMetadata as RunMetadataSchema } from '../../src/shared/metadata-schema.js';
import type { ServerMessage } from '../../src/shared/protocol.js';
import { DaemonConnection } from '../../src/client/daemon-connection.js';
import { cli } from './cli.js';
import { isAlive, waitFor } from './workspace.js';

const started: string[] = [];

// A real daemon for the workspace, started detached by the real binary, as a user's command would.
export async function startDaemon(ws: string, flags: string[] = [], env: Record<string, string> = {}): Promise<number> {
  const result = await cli(['daemon', 'start', '--workspace', ws, '--json', ...flags], { env });
  if (result.exitCode !== 0) throw new Error(`daemon start failed: ${result.stderr}`);
  started.push(ws);
  return (JSON.parse(String(result.stdout)) as { pid: number }).pid;
}

export async function stopDaemons(): Promise<void> {
  for (const ws of started.splice(0)) {
    const pid = lockHolder(daemonPaths(ws).pid);
    if (pid === null) continue;
    process.kill(pid, 'SIGKILL');
    await waitFor(`daemon ${pid} to die`, () => !isAlive(pid));
  }
}

export const connect = (ws: string): Promise<DaemonConnection> => DaemonConnection.connect({ socket: daemonPaths(ws).socket });

// A connection that records everything it receives.
export async function recorder(ws: string): Promise<{ connection: DaemonConnection; messages: ServerMessage[]; events: (runId: string) => RunEvent[] }> {
  const connection = await connect(ws);
  const messages: ServerMessage[] = [];
  connection.onMessage = (m) => messages.push(m);
  const events = (runId: string) => messages.flatMap((m) => (m.type === 'event' && m.event.run_id === runId ? [m.event] : []));
  return { connection, messages, events };
}

export async function startRun(ws: string, pipeline: string, params: Record<string, string> = {}): Promise<string> {
  const connection = await connect(ws);
  try {
    const result = await connection.request({ command: 'run', pipeline, params });
    return result.run_id;
  } finally {
    connection.close();
  }
}

export async function readMetadata(ws: string, runId: string): Promise<RunMetadata> {
  return RunMetadataSchema.parse(JSON.parse(await readFile(path.join(ws, 'runs', runId, 'metadata.json'), 'utf8')));
}

/** Waits until the run's metadata.json satisfies `check`. */
export function waitForRun(ws: string, runId: string, what: string, check: (run: RunMetadata) => boolean, timeoutMs = 15_000): Promise<RunMetadata> {
  return waitFor(`run ${runId} ${what}`, async () => {
    const run = await readMetadata(ws, runId);
    return check(run) ? run : null;
  }, timeoutMs);
}
