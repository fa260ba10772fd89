import { linkSync, renameSync, unlinkSync } from 'node:fs';
import { PipeError } from '../../shared/errors.js';
import { lockHolder } from '../../workspace/daemon-pid.js';
import type { DaemonLock } from './daemon-lock.js';
import { locked, removeOwnPidFile, writeTemp } from './lock-files.js';

// Without the abstract namespace (not Linux), the pid file is the lock: linked into place complete, so a racer
// never reads it empty. A stale one (its process gone) is moved aside under a name of our own, then checked: if
// what we moved is a live daemon's fresh file (another racer replaced the stale one first), it is put back and
// we lose. The last gap (two racers moving in turn between a put-back) is closed by stillHeld: a daemon whose pid
// file names another live daemon stops itself.
export function pidFileLock(file: string): DaemonLock {
  for (let tries = 0; tries < 5; tries++) {
    const tmp = writeTemp(file, `${process.pid}\n`);
    try {
      linkSync(tmp, file);
      return { release: () => removeOwnPidFile(file), stillHeld: () => stillHoldsPidFile(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(tmp);
    }
    if (lockHolder(file) !== null) throw locked(file);
    const aside = `${file}.${process.pid}.stale`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // someone else moved it first
    }
    if (lockHolder(aside) !== null) {
      try {
        linkSync(aside, file);
      } catch {
        // A third racer linked meanwhile; the loser of that pair stops itself (stillHeld).
      }
      unlinkSync(aside);
      throw locked(file);
    }
    unlinkSync(aside);
  }
  throw new PipeError('ERR_DAEMON_LOCKED', `could not take the lock ${file}`);
}

// A deleted pid file is linked back (ours); one naming another live daemon means we lost.
function stillHoldsPidFile(file: string): boolean {
  try {
    const tmp = writeTemp(file, `${process.pid}\n`);
    try {
      linkSync(tmp, file);
    } catch {
      // There is one already: whose, below.
    } finally {
      unlinkSync(tmp);
    }
    const holder = lockHolder(file);
    return holder === process.pid || holder === null;
  } catch {
    return false;
  }
}
