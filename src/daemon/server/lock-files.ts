import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { PipeError } from '../../shared/errors.js';
import { lockHolder, readLockSecret } from '../../workspace/daemon-pid.js';

// The files of the workspace lock (daemon-lock.ts): each is written whole to a file of its own first, so no reader
// ever sees one empty or half written, which is how a racer once read pid 0 and took a live daemon's lock.

export function locked(pidFile: string): PipeError {
  const holder = lockHolder(pidFile);
  // The winner of a race writes daemon.pid an instant after it takes the lock; a loser may read it just before.
  const who = holder === null ? 'another daemon (starting up)' : `another daemon (pid ${holder})`;
  return new PipeError('ERR_DAEMON_LOCKED', `${who} owns this workspace`);
}

// The secret is created once per .pipe-tui: written whole to a file of its own, then hard-linked into place, so
// nobody ever reads a partial one, and of two racers the second link fails (EEXIST) and that racer uses the
// winner's secret. `fresh` is the secret to create when there is none.
export function readOrCreateSecret(file: string, fresh: () => string = () => randomBytes(32).toString('hex')): string {
  for (let tries = 0; tries < 5; tries++) {
    const existing = readLockSecret(file);
    if (existing !== null) return existing;
    const secret = fresh();
    const tmp = writeTemp(file, `${secret}\n`);
    try {
      linkSync(tmp, file);
      return secret;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(tmp);
    }
  }
  throw new PipeError('ERR_IO', `could not read or create ${file}`);
}

/** Writes `text` to a new file next to `file`, synced, and returns its path. */
export function writeTemp(file: string, text: string): string {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

// Replaced whole (rename), never seen empty or half written. Only the lock's holder writes it.
export function writePidFile(file: string): void {
  renameSync(writeTemp(file, `${process.pid}\n`), file);
}

export function removeOwnPidFile(file: string): void {
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
  } catch {
    // Already gone.
  }
}
