import { statSync } from 'node:fs';
import { lastLogLine } from '../client/daemon-launcher.js';
import { SHUTDOWN_MS } from '../daemon/server/daemon-main.js';
import { PipeError } from '../shared/errors.js';
import { lockHolder, processState } from '../workspace/daemon-pid.js';
import { type HeldRun, daemonRuns } from '../workspace/daemon-runs.js';
import { markStopped } from '../workspace/daemon-stopped.js';
import { daemonPaths } from '../workspace/layout.js';

// `daemon stop`: SIGTERM, then wait, bounded, for the process itself to be gone (not for daemon.pid to go: the
// daemon removes that just before it exits, and "stopped" must mean gone). A daemon that does not go is named
// with what the kernel says it is doing and the last line it logged, and the command fails.
// Stopping interrupts the runs the daemon is running, so it is refused while there are any, with their list,
// unless --force (interrupt them) or --wait (until no run is running or queued). A stop on purpose leaves
// `.pipe-tui/stopped`, so that a client that merely connects does not start the daemon again.

/** Longer than the daemon's own bound on stopping, so that a daemon that gives up still exits in time. */
const STOP_WAIT_MS = Number(process.env.PIPE_TUI_STOP_MS) || SHUTDOWN_MS + 5000;

/** How often --wait looks at the runs again. */
const WAIT_POLL_MS = 500;

export interface StopFlags {
  force?: boolean;
  wait?: boolean;
  /** --wait: told the runs it waits on, first and whenever they change. */
  onWaiting?: (runs: HeldRun[]) => void;
}

export type StopResult = { stopped: false } | { stopped: true; pid: number; warning: string | null; runs: HeldRun[] };

export async function stopDaemonCommand(workspace: string, flags: StopFlags = {}): Promise<StopResult> {
  if (flags.force && flags.wait) throw new PipeError('ERR_USAGE', 'give --force (interrupt the running runs) or --wait (let them end), not both');
  const paths = daemonPaths(workspace);
  const pid = lockHolder(paths.pid);
  if (pid === null) return { stopped: false };
  let runs = await daemonRuns(workspace, pid);
  if (flags.wait) {
    let told = '';
    while (runs.length > 0) {
      const key = runs.map((r) => `${r.run_id}:${r.status}`).join(' ');
      if (key !== told) flags.onWaiting?.(runs);
      told = key;
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
      // It may have been stopped meanwhile, by someone else or by itself.
      if (lockHolder(paths.pid) !== pid) return { stopped: false };
      runs = await daemonRuns(workspace, pid);
    }
  }
  const interrupted = runs.filter((r) => r.onStop === 'interrupted');
  if (interrupted.length > 0 && !flags.force) throw refusal(pid, interrupted);
  // Before the signal: a client that sees the daemon gone must already find that it was stopped on purpose.
  markStopped(workspace, pid);
  const logSize = sizeOf(paths.log);
  try {
    process.kill(pid, 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  const gone = (): boolean => ['Z', null].includes(processState(pid));
  const deadline = Date.now() + STOP_WAIT_MS;
  while (!gone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!gone()) throw stuck(pid, paths.log);
  // A daemon that gave up waiting says so in its log: its runs were not all recorded as interrupted.
  const gaveUp = lastLogLine(paths.log, logSize);
  return { stopped: true, pid, warning: gaveUp?.includes('exiting anyway') ? gaveUp : null, runs };
}

function refusal(pid: number, runs: HeldRun[]): PipeError {
  const n = runs.length === 1 ? 'a run' : `${runs.length} runs`;
  const list = runs.map((r) => `  ${r.run_id}  ${r.pipeline}  ${r.status.replace('_', ' ')} (stage ${r.stage})`).join('\n');
  return new PipeError(
    'ERR_RUN_STATE',
    `daemon ${pid} is running ${n}, which stopping it would interrupt:\n${list}\n` +
      'daemon stop --force interrupts them (pipe-tui resume RUN goes on later); daemon stop --wait stops it once no run is running or queued',
  );
}

const STATES: Record<string, string> = {
  R: 'running (busy)',
  S: 'sleeping (waiting for an event)',
  D: 'in uninterruptible I/O (a hung disk or network file system?)',
  T: `stopped by a signal (SIGSTOP, Ctrl-Z); "kill -CONT PID" lets it go on stopping`,
  t: 'stopped by a debugger',
  '?': 'alive',
};

function stuck(pid: number, log: string): PipeError {
  const state = processState(pid) ?? '?';
  const doing = (STATES[state] ?? `in state ${state}`).replace('PID', String(pid));
  const last = lastLogLine(log, 0);
  return new PipeError(
    'ERR_DAEMON_UNREACHABLE',
    `daemon ${pid} did not exit within ${STOP_WAIT_MS / 1000} s of SIGTERM; it is still ${doing}. ` +
      `Last line of ${log}: ${last === null ? '(none)' : last}. To end it at once: kill -9 ${pid} (the next daemon marks its runs interrupted)`,
  );
}

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

