import { existsSync, readFileSync, statSync } from 'node:fs';
import { DaemonConnection } from '../client/daemon-connection.js';
import { SLOW_START_MS, START_LIMIT_MS, START_TIMEOUT_MS, slowStartText, startDaemon, waitUntilReachable } from '../client/daemon-launcher.js';
import type { DaemonOptions } from '../daemon/server/daemon-main.js';
import { listenTcp } from '../daemon/server/listen-tcp.js';
import { parseListenAddress } from '../shared/listen-address.js';
import { parseDuration } from '../shared/duration.js';
import { PipeError } from '../shared/errors.js';
import { isAlive, lockHolder } from '../workspace/daemon-pid.js';
import { clearStopped } from '../workspace/daemon-stopped.js';
import { daemonPaths } from '../workspace/layout.js';

// `daemon start`: its flags are read and checked here, before anything starts, so a bad one fails at once with
// ERR_USAGE (not five seconds later, when the detached daemon has died of it). They only apply to a daemon that
// starts: given to one that already runs, they are refused with how to restart it, never silently ignored.

export interface DaemonFlags {
  listen?: string;
  concurrency?: string;
  circuitThreshold?: string;
  circuitCooldown?: string;
  workspace?: string;
}

type Settings = Omit<DaemonOptions, 'workspace' | 'graceMs'>;

/** The flags as the daemon takes them; ERR_USAGE for a bad one. `daemon run` reads them the same way. */
export function daemonSettings(flags: DaemonFlags): Settings {
  if (flags.listen !== undefined) parseListenAddress(flags.listen);
  return {
    listen: flags.listen,
    concurrency: positiveInt(flags.concurrency, '--concurrency'),
    circuitThreshold: positiveInt(flags.circuitThreshold, '--circuit-threshold'),
    circuitCooldownMs: flags.circuitCooldown === undefined ? undefined : durationFlag(flags.circuitCooldown),
  };
}

// The flags `daemon start` hands on to the detached `daemon run`.
function daemonArgs(flags: DaemonFlags): string[] {
  const pairs: [string, string | undefined][] = [
    ['--listen', flags.listen],
    ['--concurrency', flags.concurrency],
    ['--circuit-threshold', flags.circuitThreshold],
    ['--circuit-cooldown', flags.circuitCooldown],
  ];
  return pairs.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value]));
}

/** Starts the workspace's daemon unless one runs; resolves once it answers. */
export async function startDaemonCommand(workspace: string, flags: DaemonFlags): Promise<void> {
  daemonSettings(flags);
  // Asked for by name: whatever `daemon stop` said before no longer stands (a running daemon included).
  clearStopped(workspace);
  const args = daemonArgs(flags);
  const paths = daemonPaths(workspace);
  const running = await DaemonConnection.connect({ socket: paths.socket }).catch(() => null);
  if (running) {
    running.close();
    if (args.length) throw alreadyRunning(workspace, flags, args);
    return;
  }
  // One holds the lock and is still starting (recovery can take a while): wait for it rather than race it.
  if (lockHolder(paths.pid) !== null) return waitForOther(workspace, flags, args);
  if (flags.listen !== undefined) await probeListen(flags.listen);
  const logSize = sizeOf(paths.log);
  const child = startDaemon(workspace, args);
  const began = Date.now();
  let said = '';
  for (;;) {
    const connection = await DaemonConnection.connect({ socket: paths.socket }).catch(() => null);
    if (connection) {
      connection.close();
      // Another `start` (or any command) may have started one first, and ours lost the lock to it.
      if (args.length && lockHolder(paths.pid) !== child) throw alreadyRunning(workspace, flags, args);
      return;
    }
    if (child === undefined || !isAlive(child)) {
      const holder = lockHolder(paths.pid);
      if (holder !== null && holder !== child) return waitForOther(workspace, flags, args);
      throw diedAtStart(paths.log, logSize, child);
    }
    // Alive, so starting (recovering runs, reading a large index): waited for, and said so when it is slow.
    const waited = Date.now() - began;
    if (waited >= START_LIMIT_MS) break;
    if (waited >= SLOW_START_MS) {
      const text = slowStartText(paths.log, logSize, child);
      if (text !== said) process.stderr.write(`pipe-tui: ${(said = text)}\n`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new PipeError('ERR_DAEMON_UNREACHABLE', `the daemon (pid ${child}) did not answer on ${paths.socket} within ${START_LIMIT_MS / 60_000} minutes; see ${paths.log}`);
}

async function waitForOther(workspace: string, flags: DaemonFlags, args: string[]): Promise<void> {
  if (args.length) throw alreadyRunning(workspace, flags, args);
  (await waitUntilReachable(workspace, START_TIMEOUT_MS, { onSlow: (text) => process.stderr.write(`pipe-tui: ${text}\n`) })).close();
}

function alreadyRunning(workspace: string, flags: DaemonFlags, args: string[]): PipeError {
  const pid = lockHolder(daemonPaths(workspace).pid);
  const where = flags.workspace === undefined ? [] : ['--workspace', workspace];
  const command = (...words: string[]): string => ['pipe-tui', 'daemon', ...words, ...where].map(quote).join(' ');
  return new PipeError(
    'ERR_USAGE',
    `a daemon${pid === null ? '' : ` (pid ${pid})`} already runs for ${workspace}; ${args.filter((a) => a.startsWith('--')).join(', ')} apply only when a daemon starts, and it keeps its own settings. To restart it with them: ${command('stop')} && ${command('start', ...args)}`,
  );
}

// The daemon it started died before it answered: say why at once, with the code the daemon gave (in daemon.log).
function diedAtStart(log: string, from: number, pid: number | undefined): PipeError {
  const lines = readFrom(log, from).split('\n').filter((l) => l.trim() !== '');
  const failure = lines.map((l) => /pipe-tui: (ERR_[A-Z0-9_]+): (.*)$/.exec(l)).filter((m) => m !== null).at(-1);
  if (failure) return new PipeError(failure[1] as string, `the daemon${pid === undefined ? '' : ` (pid ${pid})`} stopped as it started: ${failure[2]}`);
  return new PipeError('ERR_DAEMON_UNREACHABLE', `the daemon${pid === undefined ? '' : ` (pid ${pid})`} exited as it started; see ${log}${lines.length ? ` (last line: ${lines.at(-1)})` : ''}`);
}

// The address is tried here, so that a port in use or an address not of this machine fails now, in the terminal,
// rather than in the detached daemon. (Taken in the instant between, the daemon's own failure is reported too.)
async function probeListen(address: string): Promise<void> {
  const server = await listenTcp(address);
  await new Promise((resolve) => server.close(resolve));
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new PipeError('ERR_USAGE', `${flag} takes a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return n;
}

function durationFlag(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new PipeError('ERR_USAGE', `not a duration: ${JSON.stringify(value)} (write 250ms, 2s, 10m or 1h)`);
  return ms;
}

const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

function readFrom(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

const quote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
