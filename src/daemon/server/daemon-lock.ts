import { type Server, createServer } from 'node:net';
import { PipeError } from '../../shared/errors.js';
import { lockName } from '../../workspace/daemon-pid.js';
import type { DaemonPaths } from '../../workspace/layout.js';
import { locked, readOrCreateSecret, removeOwnPidFile, writePidFile } from './lock-files.js';
import { pidFileLock } from './pid-file-lock.js';

// One daemon per workspace, whatever races. The lock must be one the kernel drops when its holder dies: a lock
// file that outlives a `kill -9` has to be judged stale and taken over, and two racers that both judge it stale
// (or one that reads it before its pid is written) both take it: two daemons ran one workspace's runs at once.
//
// On Linux the lock is a listening Unix socket in the abstract namespace, held for the daemon's whole life: bind()
// is atomic, EADDRINUSE means a live holder, and the kernel frees the name the instant the process is gone, so
// there is never stale state to take over. Its name is derived from a random secret kept in .pipe-tui/ (0700), so
// another user cannot learn it and squat it, and from the identity of .pipe-tui itself, so a copied workspace
// (secret included) gets a lock of its own. It is per host (and per network namespace), as the pid file was.
//
// Elsewhere the pid file is the lock (pid-file-lock.ts); daemon.pid is written, complete, either way: lockHolder
// and `daemon status` read it.

export interface DaemonLock {
  /** Removes daemon.pid while still holding the lock, then lets the lock go (exiting lets it go too). */
  release(): void;
  /** False once the workspace's lock no longer leads to this daemon (its .pipe-tui was deleted or replaced). */
  stillHeld(): boolean;
}

export async function acquireLock(paths: DaemonPaths): Promise<DaemonLock> {
  if (process.platform !== 'linux') return pidFileLock(paths.pid);
  const secret = readOrCreateSecret(paths.lockSecret);
  const name = lockName(secret, paths.dir);
  const server = await bindAbstract(name, paths.pid);
  writePidFile(paths.pid);
  return {
    release: () => {
      removeOwnPidFile(paths.pid);
      server.close();
    },
    // The name a daemon starting now would compute: a deleted secret is written back (ours), a replaced one or
    // a new .pipe-tui leads elsewhere, and then a second daemon could start beside this one.
    stillHeld: () => {
      try {
        return lockName(readOrCreateSecret(paths.lockSecret, () => secret), paths.dir) === name;
      } catch {
        return false;
      }
    },
  };
}

async function bindAbstract(name: string, pidFile: string): Promise<Server> {
  // Nobody has business connecting to the lock: a connection is closed at once.
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => resolve());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw locked(pidFile);
    throw new PipeError('ERR_IO', `could not take the workspace lock: ${(error as Error).message}`, { cause: error });
  }
  // The lock never keeps the process alive by itself; the daemon's own servers and timers do.
  server.unref();
  return server;
}
