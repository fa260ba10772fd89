import { readFileSync, statSync } from 'node:fs';
import { PipeError } from '../shared/errors.js';
import { type IndexEntry, activeMsOf, entryOfSummary, isFirstLine, isSettled, peekLine } from '../shared/run-index-entry.js';
import { daemonPaths, runsDir } from './layout.js';
import { lockHolder } from './daemon-pid.js';
import { RunIndex, parseIndexLine, runIndexFile, scanIndex } from './run-index.js';
import { readLinesBackwards } from './run-index-file.js';
import { isTerminal } from '../shared/metadata-schema.js';
import { isHalfMade, listRunIds, readSummariesWithSync } from './run-reader.js';

// Runs as a listing shows them, from the runs index where it can be trusted and from the folders where it cannot:
// the folders say which runs exist (one readdir, no folder opened), the index what a finished run is, and a run
// the index lacks or calls still moving is read from its metadata.json. A listing of 100 000 runs so reads one
// directory and one file, and the folders of the few runs that move.

/** A listed run: its index line (or the same read from its folder), or why its folder cannot be read. */
export type ListedRun = { ok: true; run: IndexEntry } | { ok: false; runId: string; error: PipeError };

export const listedId = (listed: ListedRun): string => (listed.ok ? listed.run.run_id : listed.runId);

/**
 * The runs that may be live (queued, running, waiting), newest first: those the index does not call finished and
 * those it lacks, found from the lines' prefixes without reading 100 000 folders.
 */
export async function unsettledRunIds(workspace: string): Promise<string[]> {
  const scan = scanIndex(runIndexFile(workspace));
  const open = (id: string): boolean => {
    const status = scan.status.get(id);
    return status === undefined || status === null || !isTerminal(status);
  };
  return (await listRunIds(workspace)).filter(open);
}

/** Every run, newest first. */
export async function listAllRuns(workspace: string): Promise<ListedRun[]> {
  const followed = indexFollowed(workspace);
  const index = RunIndex.open(workspace);
  const ids = followed ? index.list().map((run) => run.run_id) : await listRunIds(workspace);
  return settle(workspace, ids, (id) => index.get(id));
}

/**
 * The newest `limit` runs, reading only as much of the index (from its end) as holds their lines. While a daemon
 * keeps the index in step with runs/ (indexFollowed), the index alone says which runs are newest: reading back to
 * the first lines of `limit` runs (plus a few) passes every run made after them, however far back a queued run's
 * only line lies. Otherwise the names in runs/ say it (one readdir: 0.1–0.2 s at 100 000 runs).
 */
export async function listNewestRuns(workspace: string, limit: number): Promise<ListedRun[]> {
  const fromIndex = indexFollowed(workspace) ? newestInIndex(runIndexFile(workspace), limit) : null;
  if (fromIndex) return settle(workspace, fromIndex.ids, (id) => fromIndex.lines.get(id) ?? undefined);
  const ids = (await listRunIds(workspace)).slice(0, limit);
  const found = linesFromEnd(runIndexFile(workspace), new Set(ids));
  return settle(workspace, ids, (id) => found.get(id));
}

/** Runs made by two processes at once may list in an order a little off their ids': read back this many more. */
const MADE_AT_ONCE = 16;

/**
 * The newest `limit` runs the index lists, and their last lines (null: removed); null without an index. A run
 * without a first line (an index of an older version) still counts once seen: reading just goes on further.
 */
export function newestInIndex(file: string, limit: number): { ids: string[]; lines: Map<string, IndexEntry | null> } | null {
  const lines = new Map<string, IndexEntry | null>();
  const firsts = new Set<string>();
  const read = readLinesBackwards(file, (line) => {
    const runId = peekLine(line)?.runId ?? parseIndexLine(line)?.run_id;
    if (runId === undefined) return;
    if (!lines.has(runId)) {
      const parsed = parseIndexLine(line);
      // A line that does not parse (torn by a crash) is passed over: the run's line before it counts.
      if (!parsed) return;
      lines.set(runId, 'removed' in parsed ? null : parsed);
    }
    if (isFirstLine(line) && lines.get(runId) !== null) firsts.add(runId);
  }, () => firsts.size < limit + MADE_AT_ONCE);
  if (!read.exists) return null;
  const ids = [...lines].filter(([, line]) => line !== null).map(([id]) => id);
  return { ids: ids.sort().reverse().slice(0, limit), lines };
}

/**
 * Whether the index lists exactly the folders in runs/: true while the daemon that said so (runs.followed) holds
 * the workspace's lock. That daemon compared the two at its start and follows runs/ for folders added or removed
 * by hand; without it, a folder copied in or deleted by hand is in runs/ alone.
 */
export function indexFollowed(workspace: string): boolean {
  const paths = daemonPaths(workspace);
  let pid: number;
  try {
    pid = Number(readFileSync(paths.runsFollowed, 'utf8').trim());
  } catch {
    return false;
  }
  return Number.isInteger(pid) && pid > 0 && lockHolder(paths.pid) === pid;
}

// Every folder made or removed in runs/ changes its mtime; every process that makes or removes one writes the index
// after. So an index written since runs/ last changed lists every folder in it (a hand-made copy would not be).
export function indexCoversFolders(workspace: string): boolean {
  try {
    return statSync(runsDir(workspace)).mtimeMs <= statSync(runIndexFile(workspace)).mtimeMs;
  } catch {
    return false;
  }
}

// Trusts a finished run's line; reads the folder of a run without one or whose line says it still moves. A folder
// without metadata.json is a run being created this instant, left out, unless it was left half-made.
function settle(workspace: string, ids: string[], lineOf: (id: string) => IndexEntry | undefined): ListedRun[] {
  const toRead = ids.filter((id) => {
    const line = lineOf(id);
    return !line || !isSettled(line);
  });
  const read = new Map<string, ListedRun>();
  for (const { read: r, extra } of readSummariesWithSync(workspace, toRead, activeMsOf)) {
    const listed: ListedRun = r.ok ? { ok: true, run: entryOfSummary(r.run, extra) } : r;
    if (r.ok || r.error.code !== 'ERR_RUN_NOT_FOUND' || isHalfMade(workspace, r.runId)) read.set(listedId(listed), listed);
  }
  return ids.flatMap((id): ListedRun[] => {
    const fresh = read.get(id);
    if (fresh) return [fresh];
    const line = lineOf(id);
    return line && isSettled(line) ? [{ ok: true, run: line }] : [];
  });
}

// The last line of each wanted run, reading the index backwards until all are found (or it is read through).
// New runs' lines lie near the end, so the newest screenful costs a chunk or two of a file of any size.
function linesFromEnd(file: string, wanted: Set<string>): Map<string, IndexEntry> {
  const found = new Map<string, IndexEntry>();
  const done = new Set<string>();
  readLinesBackwards(file, (line) => {
    const peeked = peekLine(line);
    if (!peeked || done.has(peeked.runId) || !wanted.has(peeked.runId)) return;
    const parsed = parseIndexLine(line);
    // A line that does not parse (torn by a crash) is passed over: the run's line before it still counts.
    if (!parsed) return;
    done.add(peeked.runId);
    if (!('removed' in parsed)) found.set(parsed.run_id, parsed);
  }, () => done.size < wanted.size);
  return found;
}
