import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PipeError } from '../shared/errors.js';
import { isAlive, lockHolder } from '../workspace/daemon-pid.js';
import { clearStopped, stoppedMark } from '../workspace/daemon-stopped.js';
import { daemonPaths } from '../workspace/layout.js';
import { DaemonConnection } from './daemon-connection.js';

// The daemon is this same program: the script node was started with (bin/pipe-tui.js), or what a test names.
const entry = (): string => process.env.PIPE_TUI_ENTRY ?? process.argv[1] ?? fileURLToPath(import.meta.url);

/**
 * How long a command waits for a daemon to answer when no daemon process is seen starting. While one is (it holds
 * the lock, or is the child just spawned) the wait goes on, up to START_LIMIT_MS: a daemon recovering many runs is
 * slow, not dead.
 */
export const START_TIMEOUT_MS = 5000;
export const START_LIMIT_MS = 10 * 60_000;
/** A wait longer than this says what the daemon is doing (its log's last line). */
export const SLOW_START_MS = 2000;
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
  /** Told what a slow-starting daemon is doing (its log's last line), when it changes. */
  onSlow?: (text: string) => void;
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
  const from = sizeOf(paths.log);
  const child = lockHolder(paths.pid) === null ? startDaemon(workspace, options.args) : undefined;
  return waitUntilReachable(workspace, options.timeoutMs ?? START_TIMEOUT_MS, { child, onSlow: options.onSlow, logFrom: from });
}

export interface WaitOptions {
  /** The daemon process just spawned: while it lives, it is starting. */
  child?: number;
  onSlow?: (text: string) => void;
  /** Where daemon.log stood before the start: its lines after that are this start's. */
  logFrom?: number;
}

/**
 * The one wait loop: connects as soon as the daemon answers. Waits past `timeoutMs` while a daemon process is
 * starting (up to START_LIMIT_MS), saying what it does when slow; fails with where to look once none is.
 */
export async function waitUntilReachable(workspace: string, timeoutMs: number, options: WaitOptions = {}): Promise<DaemonConnection> {
  const paths = daemonPaths(workspace);
  const began = Date.now();
  const from = options.logFrom ?? sizeOf(paths.log);
  let said = '';
  let last: unknown;
  for (;;) {
    try {
      return await DaemonConnection.connect({ socket: paths.socket });
    } catch (error) {
      last = error;
    }
    const waited = Date.now() - began;
    const starting = (options.child !== undefined && isAlive(options.child)) || lockHolder(paths.pid) !== null;
    if (waited >= (starting ? START_LIMIT_MS : timeoutMs)) break;
    if (waited >= SLOW_START_MS && options.onSlow && starting) {
      const text = slowStartText(paths.log, from, options.child);
      if (text !== said) options.onSlow((said = text));
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new PipeError('ERR_DAEMON_UNREACHABLE', `the daemon did not answer on ${paths.socket} within ${Math.round((Date.now() - began) / 1000)} s; see ${paths.log} (${String(last)})`, { cause: last });
}

export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** What a slow-starting daemon is doing, from its log's last line since `from`. */
export function slowStartText(log: string, from: number, pid?: number): string {
  // Without its time stamp: what the daemon is doing now.
  const line = (lastLogLine(log, from) ?? '').replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, '').slice(0, 200);
  return `the daemon${pid === undefined ? '' : ` (pid ${pid})`} is starting${line ? `: ${line}` : ''}`;
}

/** The last non-blank line of `file` written after `from`, read from its tail only (daemon.log grows for ever). */
export function lastLogLine(file: string, from: number): string | null {
  try {
    const size = statSync(file).size;
    const start = Math.max(from, size - 8192);
    if (size <= start) return null;
    const buffer = Buffer.alloc(size - start);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').filter((l) => l.trim() !== '').at(-1) ?? null;
  } catch {
    return null;
  }
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
