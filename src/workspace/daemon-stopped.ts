import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, daemonPaths } from './layout.js';

// `.pipe-tui/stopped`: the workspace's daemon was stopped on purpose (`daemon stop`). A client that merely connects
// (the TUI opening) must not start it again behind the user's back; an explicit start (`daemon start`, `run`, a
// TUI start key) removes the mark. Who may start a daemon, given the mark, is decided in one place: ensureDaemon
// in src/client/daemon-launcher.ts.

export interface StoppedMark {
  /** When `daemon stop` stopped it (ISO time); null when the file cannot be read as written. */
  at: string | null;
  /** The daemon it stopped. */
  pid: number | null;
}

export function markStopped(workspace: string, pid: number): void {
  const paths = daemonPaths(workspace);
  mkdirSync(paths.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileSync(paths.stopped, `${JSON.stringify({ at: new Date().toISOString(), pid })}\n`, { mode: PRIVATE_FILE_MODE });
  // The mode given to writeFileSync goes through the umask; the file is the user's alone whatever it is.
  chmodSync(paths.stopped, PRIVATE_FILE_MODE);
}

/** The mark, or null when the daemon was not stopped on purpose. A damaged file still counts as a mark. */
export function stoppedMark(workspace: string): StoppedMark | null {
  let text: string;
  try {
    text = readFileSync(daemonPaths(workspace).stopped, 'utf8');
  } catch {
    return null;
  }
  try {
    const json = JSON.parse(text) as { at?: unknown; pid?: unknown };
    return { at: typeof json.at === 'string' ? json.at : null, pid: typeof json.pid === 'number' ? json.pid : null };
  } catch {
    return { at: null, pid: null };
  }
}

export function clearStopped(workspace: string): void {
  rmSync(daemonPaths(workspace).stopped, { force: true });
}
