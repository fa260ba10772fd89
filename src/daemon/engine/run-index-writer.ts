import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { type IndexEntry, indexEntryOf, indexLineText, isSettled, listingKey } from '../../shared/run-index-entry.js';
import { PRIVATE_FILE_MODE } from '../../workspace/layout.js';
import { appendIndex, makeStateDir } from '../../workspace/run-index-append.js';
import { RunIndex, runIndexFile } from '../../workspace/run-index.js';
import type { RunRecorder } from './run-recorder.js';

// The write side of the runs index (`.pipe-tui/runs.ndjson`, read by src/workspace/run-index.ts). Every process
// that records a run (the daemon, a foreground `run`) appends a line when the run's listing changes; the daemon
// compacts the file (one line a run) and rebuilds it from the folders when it is missing or unsound.

/**
 * Keeps the run's line current while it is recorded: one now, then one whenever what a listing shows changes.
 * A line never leads the run's folder: it is appended after the event that made it is in events.ndjson, and a
 * finished run's line (which readers trust without opening the folder) only once metadata.json holds that state.
 */
export function indexRecorder(workspace: string, recorder: RunRecorder, made = false): () => void {
  let last = '';
  let flushing = false;
  // A run just made (`made`) has no line yet: its first one says so, which is how readers find the newest runs.
  let first = made;
  const append = (): void => {
    const entry = indexEntryOf(recorder.state);
    const key = listingKey(entry);
    if (key !== last && appendIndex(workspace, [entry], first)) {
      last = key;
      first = false;
    }
  };
  const changed = (): void => {
    if (!isSettled(indexEntryOf(recorder.state))) return append();
    if (flushing) return;
    flushing = true;
    // Whatever the run is by the time metadata.json is written is what goes in: a resume meanwhile is not undone.
    // A flush that failed (a full disk) leaves the line out: the run's folder is behind it, and the run's next
    // change, or the next daemon's recovery (the index does not call it finished), makes it good.
    void recorder.flush().then(
      () => {
        flushing = false;
        append();
      },
      () => {
        flushing = false;
      },
    );
  };
  changed();
  return recorder.subscribe(changed);
}

/**
 * Replaces the index with `entries` (one line each, oldest first). Lines other writers append meanwhile are
 * carried over from the old file before the new one takes its place, so a compaction never loses a run's change.
 */
export function replaceIndex(workspace: string, entries: IndexEntry[], since: number): void {
  const file = runIndexFile(workspace);
  makeStateDir(path.dirname(file));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    const sorted = [...entries].sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
    // Each run's only line here is its first, in the order runs were made (their ids sort so).
    for (let i = 0; i < sorted.length; i += 1000) writeSync(fd, sorted.slice(i, i + 1000).map((e) => indexLineText(e, true)).join(''));
    copyTail(file, since, fd);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
    throw error;
  }
}

/** Rewrites the index with one line per run, when it holds more than twice that many lines. True when it did. */
export function compactIndex(workspace: string, minLines = 1000, runs?: number): boolean {
  // Whether it may be worth it, told from the file's size and the length of its first lines when the caller knows
  // how many runs there are: reading 100 000 lines only to find it is not would leave the daemon 60 MB larger.
  if (runs !== undefined && estimatedLines(runIndexFile(workspace)) <= Math.max(minLines, 2 * runs)) return false;
  const index = RunIndex.open(workspace);
  if (!index.exists || index.lines <= Math.max(minLines, 2 * index.size)) return false;
  // Lines appended since the index was read are carried over from exactly where its reading ended.
  replaceIndex(workspace, index.list(), index.consumed);
  return true;
}

/** Bytes of the index's start whose lines say how long a line is. */
const SAMPLE_BYTES = 64 * 1024;

// How many lines the file holds, about: its size over the mean length of the lines in its first 64 KiB.
function estimatedLines(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
    const n = readSync(fd, head, 0, head.length, 0);
    let lines = 0;
    let last = -1;
    for (let at = head.indexOf(0x0a); at >= 0 && at < n; at = head.indexOf(0x0a, at + 1)) {
      lines++;
      last = at;
    }
    // Too few lines to say how long one is (a long error message at the head): as if every line were worth a look.
    if (lines < 8 && size > n) return Number.POSITIVE_INFINITY;
    return lines === 0 ? 0 : Math.round(size / ((last + 1) / lines));
  } finally {
    closeSync(fd);
  }
}

export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

// Whole lines of `file` past `from`, appended to the descriptor: what other writers added since it was read.
function copyTail(file: string, from: number, out: number): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= from) return;
    const buffer = Buffer.alloc(size - from);
    const n = readSync(fd, buffer, 0, buffer.length, from);
    const end = buffer.subarray(0, n).lastIndexOf(0x0a);
    // A last line still being written stays behind: its writer's next look finds the new file and it is lost,
    // which the run's next change (or the reader's check of a moving run's folder) makes good.
    if (end >= 0) writeSync(out, buffer.subarray(0, end + 1));
  } finally {
    closeSync(fd);
  }
}
