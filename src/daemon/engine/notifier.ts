import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import pRetry, { AbortError } from 'p-retry';
import type { RunEvent } from '../../shared/events.js';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import type { NotifyEvent, NotifySpec } from '../../shared/pipeline-schema.js';
import { NOTIFY_LOG, PRIVATE_FILE_MODE } from '../../workspace/layout.js';
import type { RunRecorder } from './run-recorder.js';

// Tells someone when a run fails, finishes, waits for a person or has a stage gone silent: a pipeline's `notify:` entries, delivered in the
// background. Every outcome goes to notify.log in the run folder; nothing here can fail or stall the run.


/** What a notification says: the JSON a webhook receives, and (as PIPE_* variables) a command's environment. */
export interface Notice {
  event: NotifyEvent;
  run_id: string;
  pipeline: string;
  status: RunMetadata['status'];
  stage: string | null;
  error: { code: string; message: string } | null;
  run_dir: string;
  workspace: string;
  at: string;
  total_cost_usd: number;
}

/** The notice an event calls for, if any. */
export function noticeFor(event: RunEvent, state: RunMetadata, runDir: string): Notice | null {
  let kind: NotifyEvent | null = null;
  if (event.type === 'run.finished' && event.status !== 'running') kind = event.status as NotifyEvent;
  else if (event.type === 'run.interrupted') kind = 'interrupted';
  else if (event.type === 'stage.awaiting_approval') kind = 'awaiting_approval';
  else if (event.type === 'stage.stalled') kind = 'stalled';
  if (!kind) return null;
  // A stage that waits or went silent is named by its event; a run that ended, by the stage its error names.
  const named = event.type === 'stage.awaiting_approval' || event.type === 'stage.stalled';
  const stage = named ? (state.stages[event.stage]?.id ?? null) : (state.error?.stage ?? null);
  return {
    event: kind,
    run_id: state.run_id,
    pipeline: state.pipeline,
    status: state.status,
    stage,
    error: state.error ? { code: state.error.code, message: state.error.message } : null,
    run_dir: runDir,
    // A run folder is always <workspace>/runs/<run_id>.
    workspace: path.dirname(path.dirname(runDir)),
    at: event.at,
    total_cost_usd: state.total_cost_usd,
  };
}

export function noticeEnv(notice: Notice): Record<string, string> {
  return {
    PIPE_NOTIFY_EVENT: notice.event,
    PIPE_RUN_ID: notice.run_id,
    PIPE_PIPELINE: notice.pipeline,
    PIPE_RUN_STATUS: notice.status,
    PIPE_RUN_DIR: notice.run_dir,
    PIPE_WORKSPACE: notice.workspace,
    PIPE_STAGE: notice.stage ?? '',
    PIPE_ERROR_CODE: notice.error?.code ?? '',
    PIPE_ERROR_MESSAGE: notice.error?.message ?? '',
    PIPE_COST_USD: String(notice.total_cost_usd),
  };
}

/** Delivers one notice to one target; resolves when it is delivered or given up on, never rejects. */
export async function deliver(spec: NotifySpec, notice: Notice, log: (line: string) => void): Promise<void> {
  const what = spec.webhook ? `webhook ${spec.webhook}` : 'command';
  try {
    if (spec.webhook) await post(spec.webhook, spec, notice, log);
    else await command(spec, notice);
    log(`${notice.event}: ${what}: delivered`);
  } catch (error) {
    log(`${notice.event}: ${what}: not delivered: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function command(spec: NotifySpec, notice: Notice): Promise<void> {
  const argv = typeof spec.command === 'string' ? ['/bin/sh', '-c', spec.command] : (spec.command ?? []);
  const [file = '/bin/sh', ...args] = argv;
  // The run's facts go in the environment, never into the command line; it runs in the workspace, as stages do.
  const result = await execa(file, args, { cwd: notice.workspace, env: noticeEnv(notice), timeout: spec.timeout, reject: false, stdin: 'ignore', all: true });
  if (result.timedOut) throw new Error(`timed out after ${spec.timeout} ms`);
  if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode ?? result.signal}: ${String(result.all ?? '').trim().slice(-300)}`);
}

async function post(url: string, spec: NotifySpec, notice: Notice, log: (line: string) => void): Promise<void> {
  await pRetry(
    async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'pipe-tui' },
        body: JSON.stringify(notice),
        signal: AbortSignal.timeout(spec.timeout),
      });
      await response.body?.cancel();
      if (response.ok) return;
      const error = new Error(`HTTP ${response.status}`);
      // A client error will not go away by asking again; a server error, a timeout or a rate limit may.
      if (response.status < 500 && response.status !== 408 && response.status !== 429) throw new AbortError(error);
      throw error;
    },
    {
      retries: spec.attempts - 1,
      minTimeout: 500,
      maxTimeout: 5000,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0) log(`${notice.event}: webhook ${url}: try ${attemptNumber} of ${spec.attempts} failed (${reason(error)}), trying again`);
      },
    },
  ).catch((error: unknown) => {
    throw new Error(`${reason(error)} after ${spec.attempts} tr${spec.attempts === 1 ? 'y' : 'ies'} at most`);
  });
}

const reason = (error: unknown): string => {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  if (error instanceof Error && error.cause instanceof Error) return `${error.message}: ${error.cause.message}`;
  return error instanceof Error ? error.message : String(error);
};

/** A run's notifications: sent as its events call for them; `settled` waits for all of them. */
export function watchNotifications(recorder: RunRecorder, specs: NotifySpec[]): { stop: () => void; settled: () => Promise<void> } {
  const pending = new Set<Promise<void>>();
  const stop = specs.length === 0 ? () => undefined : recorder.subscribe((event, state) => {
    const notice = noticeFor(event, state, recorder.dir);
    if (notice) for (const p of sendAll(specs, notice, recorder.dir)) track(pending, p);
  });
  return { stop, settled: async () => void (await Promise.all(pending)) };
}

/** Starts the deliveries a notice calls for; each promise settles when its target is done with. */
export function sendAll(specs: NotifySpec[], notice: Notice, runDir: string): Promise<void>[] {
  const log = (line: string): void => {
    try {
      appendFileSync(path.join(runDir, NOTIFY_LOG), `${new Date().toISOString()} ${line}\n`, { mode: PRIVATE_FILE_MODE });
    } catch {
      // A full disk loses the log line, never the run.
    }
  };
  return specs.filter((s) => s.on.includes(notice.event)).map((s) => deliver(s, notice, log));
}

function track(pending: Set<Promise<void>>, p: Promise<void>): void {
  pending.add(p);
  void p.finally(() => pending.delete(p));
}
