import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { PipeError } from '../../shared/errors.js';
import { lockHolder } from '../../workspace/daemon-pid.js';

// One daemon per workspace: the pid file is created exclusively. A file whose process is gone (a `kill -9`, a
// reboot) is stale and taken over; a live one means another daemon owns the workspace.
export function acquireLock(file: string): () => void {
  for (let tries = 0; tries < 5; tries++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => releaseLock(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(file);
    if (holder !== null) throw new PipeError('ERR_DAEMON_LOCKED', `another daemon (pid ${holder}) owns this workspace`);
    try {
      unlinkSync(file);
    } catch {
      // Someone else took it over first; try again.
    }
  }
  throw new PipeError('ERR_DAEMON_LOCKED', `could not take the lock ${file}`);
}

function releaseLock(file: string): void {
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
  } catch {
    // Already gone.
  }
}
