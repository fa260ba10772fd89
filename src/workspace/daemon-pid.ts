import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import { LOCK_SECRET_FILE } from './layout.js';

// `.pipe-tui/daemon.pid`, read: which live daemon, if any, owns the workspace. Taking and releasing the lock is
// the daemon's (daemon-lock.ts); anyone may ask who holds it. On Linux the lock is a socket in the abstract
// namespace named after `.pipe-tui/lock-secret` and the folder itself: daemon.pid says which process, the kernel
// says whether anyone holds the lock at all (a pid file copied with a workspace, or left by a daemon killed -9
// whose pid now names another daemon, is not believed).

/** The pid of a live daemon holding the lock, or null. */
export function lockHolder(file: string): number | null {
  if (lockIsBound(path.dirname(file)) === false) return null;
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  // After a reboot the pid may belong to some other program: only a pipe-tui daemon counts.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('daemon')) return null;
  } catch {
    // No /proc (not Linux): trust the pid.
  }
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What the kernel says a process is doing, from /proc/PID/stat: 'R' running, 'S' sleeping, 'D' in uninterruptible
 * I/O, 'T' stopped, 'Z' exited but not yet reaped. null when it is gone; '?' where there is no /proc.
 */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) || '?';
  } catch {
    return isAlive(pid) ? '?' : null;
  }
}

const SECRET = /^[0-9a-f]{64}$/;
// sun_path holds 108 bytes: a NUL and 107 more. A name that fills it is the same address whether a Node version
// pads abstract names to the full length (Node 20 does) or passes their exact length.
const NAME_LENGTH = 107;

/** The lock's secret, or null when there is none yet; ERR_IO when the file was damaged from outside. */
export function readLockSecret(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!SECRET.test(text)) throw new PipeError('ERR_IO', `${file} is damaged: stop any daemon of this workspace (kill it if need be), delete the file, and start again`);
  return text;
}

/** The abstract socket name of the lock of the `.pipe-tui` folder `dir`: its secret and its identity (a copy differs). */
export function lockName(secret: string, dir: string): string {
  const { dev, ino } = statSync(dir, { bigint: true });
  const digest = createHash('sha512').update(`${secret}\0${dev}\0${ino}`).digest('hex');
  return `\0${`pipe-tui-lock-${digest}`.slice(0, NAME_LENGTH)}`;
}

// Whether the lock of `dir` is held, from the kernel's list of Unix sockets: null where that cannot be told (no
// /proc/net/unix: not Linux, where daemon.pid is the lock itself).
function lockIsBound(dir: string): boolean | null {
  let sockets: string;
  try {
    sockets = readFileSync('/proc/net/unix', 'latin1');
  } catch {
    return null;
  }
  let name: string;
  try {
    const secret = readLockSecret(path.join(dir, LOCK_SECRET_FILE));
    if (secret === null) return false;
    name = lockName(secret, dir);
  } catch {
    return false;
  }
  // Listed as `@name`: the leading NUL shown as @.
  return sockets.includes(` @${name.slice(1)}\n`);
}
