import { appendFileSync, mkdirSync } from 'node:fs';
import { type IndexEntry, type IndexRemoval, indexLineText, removalOf } from '../shared/run-index-entry.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, daemonPaths } from './layout.js';
import { runIndexFile } from './run-index.js';

// Appends to the runs index: a recorder's new listing of its run, or the removal of a run's folder (`rm`, `prune`,
// the daemon noticing an `rm -r`). Whole lines in one write, so concurrent writers never interleave.

/**
 * False when the lines could not be written (a full disk): the index lags, and a rebuild makes it good. `first`:
 * these are just-made runs' first lines, marked as such (see indexLineText).
 */
export function appendIndex(workspace: string, lines: (IndexEntry | IndexRemoval)[], first = false): boolean {
  if (lines.length === 0) return true;
  try {
    makeStateDir(daemonPaths(workspace).dir);
    appendFileSync(runIndexFile(workspace), lines.map((line) => indexLineText(line, first)).join(''), { mode: PRIVATE_FILE_MODE });
    return true;
  } catch {
    return false;
  }
}

/** .pipe-tui, but never the workspace itself: a workspace deleted under a late writer is not made again. */
export function makeStateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

export const indexRemovals = (workspace: string, runIds: string[]): boolean => appendIndex(workspace, runIds.map(removalOf));
