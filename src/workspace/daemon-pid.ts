import { readFileSync } from 'node:fs';

// `.pipe-tui/daemon.pid`, read: which live daemon, if any, owns the workspace. Taking and releasing the lock is
// the daemon's (daemon-lock.ts); anyone may ask who holds it.

/** The pid of a live daemon holding the lock, or null. */
export function lockHolder(file: string): number | null {
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
