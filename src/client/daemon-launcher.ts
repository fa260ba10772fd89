import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PipeError } from '../shared/errors.js';
import { lockHolder } from '../workspace/daemon-pid.js';
import { clearStopped, stoppedMark } from '../workspace/daemon-stopped.js';
import { daemonPaths } from '../workspace/layout.js';
import { DaemonConnection } from './daemon-connection.js';

// The daemon is this same program: the script node was started with (bin/pipe-tui.js), or what a test names.
const entry = (): string => process.env.PIPE_TUI_ENTRY ?? process.argv[1] ?? fileURLToPath(import.meta.url);

/** How long a command waits for a daemon it started to answer. */
export const START_TIMEOUT_MS = 5000;
const POLL_MS = 50;

/**
 * Who may start a daemon when none answers, given `.pipe-tui/stopped` (written by `daemon stop`):
 * - 'explicit': the user asked for work (run, cancel, resume, approve, reset, a TUI start key): start one, and
 *   remove the mark: the user wants a daemon again.
 * - 'auto': a client that merely connects (the TUI opening): start one unless the daemon was stopped on purpose,
 *   and leave the mark alone; stopped on purpose, it fails with ERR_DAEMON_UNREACHABLE saying so.
 * - false: never start one.
 */
export type StartMode = 'explicit' | 'auto' | false;

export interface EnsureOptions {
  /** Default 'explicit'. `true`, from callers that predate the mark, means 'auto': they connect, they do not act. */
  start?: StartMode | true;
  /** How long to wait for a started (or starting) daemon to answer. */
  timeoutMs?: number;
  /** Flags handed on to `daemon run` (`daemon start --listen …`). */
  args?: string[];
}

/** Connects to the workspace's daemon, starting it (detached) when none answers and none is starting. */
export async function ensureDaemon(workspace: string, options: EnsureOptions = {}): Promise<DaemonConnection> {
  const paths = daemonPaths(workspace);
  const mode: StartMode = options.start === true ? 'auto' : (options.start ?? 'explicit');
  // Even when a daemon answers: the user is using one now, so it no longer stands stopped on purpose.
  if (mode === 'explicit') clearStopped(workspace);
  try {
    return await DaemonConnection.connect({ socket: paths.socket });
  } catch (error) {
    if (mode === false) throw error;
  }
  const mark = mode === 'auto' ? stoppedMark(workspace) : null;
  if (mark) {
    throw new PipeError('ERR_DAEMON_UNREACHABLE', `no daemon runs for ${workspace}: it was stopped on purpose (pipe-tui daemon stop${mark.at ? `, ${mark.at}` : ''}); pipe-tui daemon start starts it again`);
  }
  // A daemon holding the lock is starting up (recovery can take a while): wait for it rather than race it.
  if (lockHolder(paths.pid) === null) startDaemon(workspace, options.args);
  return waitUntilReachable(workspace, options.timeoutMs ?? START_TIMEOUT_MS);
}

/** The one wait loop: connects as soon as the daemon answers, or fails with where to look. */
export async function waitUntilReachable(workspace: string, timeoutMs: number): Promise<DaemonConnection> {
  const paths = daemonPaths(workspace);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  do {
    try {
      return await DaemonConnection.connect({ socket: paths.socket });
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  } while (Date.now() < deadline);
  throw new PipeError('ERR_DAEMON_UNREACHABLE', `the daemon did not answer on ${paths.socket} within ${timeoutMs / 1000} s; see ${paths.log} (${String(last)})`, { cause: last });
}

// Its own session and process group, stdin closed, output to .pipe-tui/daemon.log: the SIGHUP of a closing
// terminal or SSH session never reaches it, and nothing it prints can block on a dead terminal.
export function startDaemon(workspace: string, extraArgs: string[] = []): number | undefined {
  const paths = daemonPaths(workspace);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  const log = openSync(paths.log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [entry(), 'daemon', 'run', '--workspace', workspace, ...extraArgs], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: workspace,
    });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}
