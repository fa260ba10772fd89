import { type FSWatcher, closeSync, existsSync, fstatSync, openSync, readSync, statSync, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { PipeError } from '../shared/errors.js';
import { isTerminal } from '../shared/metadata-schema.js';
import { isRunId } from '../shared/names.js';
import { type IndexEntry, activeMsOf, entryOfSummary, indexEntryOf, isSettled, peekLine } from '../shared/run-index-entry.js';
import { METADATA_FILE, daemonPaths, runDir, runsDir } from '../workspace/layout.js';
import { parseIndexLine, runIndexFile } from '../workspace/run-index.js';
import { listNewestRuns } from '../workspace/run-listing.js';
import { type RunRead, isHalfMade, listRunIds, readRunFile, readSummariesWithSync } from '../workspace/run-reader.js';
import { type ListedEntry, type RunEntry, entryOfRun, listingEntry } from './run-entries.js';
import { RunRows } from './run-rows.js';

// The runs the TUI lists from disk, from the runs index (`.pipe-tui/runs.ndjson`) wherever it can be trusted and
// from the run folders where it cannot, so that 100 000 runs cost about what 100 do:
//
// - First the newest runs (listNewestRuns: the names in runs/ and the end of the index), drawn at once; then every
//   run: the index read backwards a chunk at a time (each run's last line wins; only that one is parsed), with the
//   event loop served between chunks so keys never wait long.
// - A finished run is its index line, a listing, never its whole metadata.json (read when it is selected).
// - A run the index lacks or calls still moving, and that the feed does not carry (a foreground CLI's, any run
//   while no daemon answers), is read from its folder and followed there: an fs.watch on its folder, and a look
//   every 500 ms (a stat; a read when it changed), so a missed rename never leaves it stale. Those are few. Without
//   an index (an old workspace, one the daemon has yet to rebuild) every folder is read, a batch a turn, as
//   listAllRuns would, but without holding the event loop for the whole of them.
// - Changes: the index is read from where it was last read whenever `.pipe-tui/` changes (an fs.watch on the
//   folder, and a stat every second should that miss), and afresh when a compaction replaces it. Folders added or
//   removed by hand are seen by an fs.watch on runs/ itself. Not chokidar: it stats every entry of what it
//   watches when it starts, 100 000 folders here, before it reports anything.
//
// The file's rules are RunIndex's (src/workspace/run-index.ts: the last line of a run wins, a removal line forgets
// it, bad lines are skipped, a new inode or a shorter file is a new file), and its lines are parsed by the same
// parseIndexLine. RunIndex itself is not used: its first read is one synchronous parse of the whole file (about a
// second at 100 000 runs), and its refresh() says whether anything changed but not which runs did, which a list
// patched run by run needs.

/** Runs drawn before the whole index is read. */
export const FIRST_PAINT = 300;
/**
 * Bytes of the index parsed between two turns of the event loop: a couple of ms of work, and small enough that
 * its text stays in V8's young generation (a larger string goes straight to the old one and is freed late).
 */
const INDEX_CHUNK = 64 * 1024;
/** Folders read (as summaries) between two turns of the event loop, where the index lacks them. */
const FOLDER_BATCH = 200;
/** Runs the index lacks past which they are read as a batch of summaries rather than one by one. */
const BULK_MIN = 16;
const POLL_MS = 1000;
const SWEEP_MS = 500;
/** Changes that arrive together are taken up together. */
const SETTLE_MS = 30;
/** Moving runs whose folder gets an fs.watch of its own; past these, the sweep alone follows them. */
const WATCHED_MAX = 64;
/** Folders of moving runs looked at per sweep (a stat each, a read when changed), in turn. */
const SWEEP_MAX = 128;
/** Folders come and go one by one up to this many at once; past it, runs/ is listed afresh. */
const RESCAN_PAST = 1000;
/** While the folders are read without an index, the list is redrawn at most this often. */
const PROGRESS_MS = 250;

export interface RunSourceState {
  /** Every run folder, newest first: its listing, its whole state when followed, or why it cannot be read. */
  entries: RunRows;
  /** Runs followed in their folders because they still move and the feed does not carry them. */
  moving: readonly string[];
  /** False while only the newest runs are listed (the rest are being read). */
  complete: boolean;
  /** The runs index is there; false: the runs are listed from their folders until it is (re)built. */
  indexed: boolean;
}

export interface RunSource {
  /** The runs the feed carries live: their folders are not followed (the feed is newer). */
  setLive(ids: Iterable<string>): void;
  close(): void;
}

export function watchRuns(workspace: string, onChange: (state: RunSourceState) => void): RunSource {
  const source = new Source(workspace, onChange);
  source.start();
  return source;
}

interface Follow {
  watcher: FSWatcher | null;
  /** metadata.json's inode, size and mtime at the last read: unchanged, it is not read again. */
  stamp: string | null;
  reading: boolean;
  again: boolean;
}

class Source implements RunSource {
  private closed = false;
  /** The whole listing is read; until then changes wait in `dirty`. */
  private loaded = false;
  /** Every run folder in runs/, and the last index line of its run (trusted once the run is finished). */
  private readonly known = new Folders();
  /** Index lines of runs without a folder (yet: a line can be read before its folder is seen). */
  private readonly stray = new Map<string, ListedEntry>();
  /** Runs read from their folders: moving ones whole, others as listings. */
  private readonly reads = new Map<string, RunEntry>();
  private list = RunRows.empty;
  private live = new Set<string>();
  private readonly follows = new Map<string, Follow>();
  private watchedFolders = 0;
  private moving: readonly string[] = [];
  private movingChanged = false;
  private readonly dirty = new Set<string>();
  private readonly names = new Set<string>();
  private indexed = false;
  private offset = 0;
  private inode = 0;
  private reloading = false;
  private reloadAgain = false;
  private rescanning = false;
  private rescanAgain = false;
  /** runs/ came to be watched while the listing was read: it is looked at afresh once that is done. */
  private rescanAfterLoad = false;
  private runsWatcher: FSWatcher | null = null;
  private stateWatcher: FSWatcher | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private namesTimer: NodeJS.Timeout | null = null;
  private indexTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly pollTimer: NodeJS.Timeout;
  private sweepAt = 0;
  private readonly intern = interner();

  constructor(
    private readonly workspace: string,
    private readonly onChange: (state: RunSourceState) => void,
  ) {
    this.pollTimer = setInterval(() => this.poll(), POLL_MS);
  }

  start(): void {
    // Watching starts before the listing is read, so nothing that changes meanwhile is missed.
    this.watchRunsFolder();
    this.watchStateFolder();
    void this.load();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pollTimer);
    for (const timer of [this.flushTimer, this.namesTimer, this.indexTimer, this.sweepTimer]) if (timer) clearTimeout(timer);
    this.runsWatcher?.close();
    this.stateWatcher?.close();
    for (const follow of this.follows.values()) follow.watcher?.close();
    this.follows.clear();
  }

  setLive(ids: Iterable<string>): void {
    const next = new Set(ids);
    for (const id of next) if (!this.live.has(id)) this.touch(id);
    for (const id of this.live) if (!next.has(id)) this.touch(id);
    this.live = next;
  }

  private emit(): void {
    if (this.closed) return;
    if (this.movingChanged) {
      this.moving = [...this.follows.keys()];
      this.movingChanged = false;
    }
    this.onChange({ entries: this.list, moving: this.moving, complete: this.loaded, indexed: this.indexed });
  }

  private async load(): Promise<void> {
    const release = holdYoungGeneration();
    try {
      await this.loadAll();
    } finally {
      release();
    }
    if (this.closed) return;
    this.loaded = true;
    this.emit();
    // What changed while the listing was read: names in runs/, lines appended to the index.
    this.checkNames();
    if (this.rescanAfterLoad) void this.rescan();
    this.refreshIndex();
    this.flush();
  }

  private async loadAll(): Promise<void> {
    const first = await listNewestRuns(this.workspace, FIRST_PAINT).catch(() => []);
    if (this.closed) return;
    this.list = RunRows.of(first.map((listed) => (listed.ok ? listingEntry(this.intern(listed.run)) : listed)));
    this.indexed = existsSync(runIndexFile(this.workspace));
    this.emit();
    const ids = await listRunIds(this.workspace).catch(() => []);
    if (this.closed) return;
    this.known.reset(ids);
    await this.readIndex();
    if (this.closed) return;
    await this.compose();
  }

  // The index afresh, read backwards: each run's last line is the first met, and the only one parsed.
  private async readIndex(): Promise<void> {
    // A copy once the listing is up: folders may come and go while the file is read.
    const ids = this.loaded ? this.known.ids.slice() : this.known.ids;
    const { version } = this.known;
    const read = await readIndexBackwards(runIndexFile(this.workspace), ids, this.intern, () => this.closed);
    if (this.known.version === version) this.known.lines = read.lines;
    else read.lines.forEach((line, at) => this.known.set(ids[at] as string, line)); // folders came and went meanwhile
    this.stray.clear();
    this.offset = read.offset;
    this.inode = read.inode;
    this.indexed = read.exists;
  }

  // Every run of `ids` (newest first): a finished one as its line says, a moving one as its line says until its
  // folder is read, one the index lacks from its folder.
  private async compose(): Promise<void> {
    const unread: string[] = [];
    for (const id of this.reads.keys()) if (!this.known.has(id) || this.settledLine(id)) this.reads.delete(id);
    const { ids, lines } = this.known;
    const entries = ids.map((id, at) => {
      const line = lines[at] ?? null;
      if (line && isSettled(line.listing)) {
        if (this.follows.has(id)) this.unfollow(id);
        return line; // most runs: their line, as it is
      }
      const entry = this.entryFor(id);
      if (!line && !this.reads.has(id)) unread.push(id);
      else this.followIfMoving(id, entry);
      return entry;
    });
    this.list = RunRows.of(entries.includes(null) ? (entries.filter((e) => e !== null) as RunEntry[]) : (entries as RunEntry[]));
    await this.readFolders(unread);
  }

  private settledLine(id: string): boolean {
    const line = this.lineOf(id);
    return line !== undefined && isSettled(line.listing);
  }

  private lineOf(id: string): ListedEntry | undefined {
    return this.known.get(id) ?? this.stray.get(id);
  }

  private setLine(id: string, line: ListedEntry | null): void {
    if (this.known.set(id, line)) return;
    if (line) this.stray.set(id, line);
    else this.stray.delete(id);
  }

  private addFolder(id: string): void {
    this.known.add(id, this.stray.get(id) ?? null);
    this.stray.delete(id);
  }

  // The runs the index lacks, read from their folders: as summaries, a batch a turn, when there are many (no index
  // yet, folders restored by hand), each shown as soon as read; whole, and followed, when there are few or they move.
  private async readFolders(ids: readonly string[]): Promise<void> {
    if (ids.length < BULK_MIN) {
      for (const id of ids) this.followIfMoving(id, null);
      return;
    }
    let shown = Date.now();
    for (let i = 0; i < ids.length && !this.closed; i += FOLDER_BATCH) {
      const batch = ids.slice(i, i + FOLDER_BATCH).filter((id) => this.known.get(id) === null);
      const changes = new Map<string, RunEntry | null>();
      readSummariesWithSync(this.workspace, batch, activeMsOf).forEach(({ read, extra }, at) => {
        const id = batch[at] as string;
        // Being created this instant: followed, so it shows once it can be read (or as half-made).
        const creating = !read.ok && read.error.code === 'ERR_RUN_NOT_FOUND' && !isHalfMade(this.workspace, id);
        const entry = creating ? null : read.ok ? asFolder(id, listingEntry(this.intern(entryOfSummary(read.run, extra)))) : read;
        if (entry) {
          this.reads.set(id, entry);
          changes.set(id, entry);
        }
        this.followIfMoving(id, entry);
      });
      this.list = this.list.patch(changes);
      if (Date.now() - shown > PROGRESS_MS) {
        shown = Date.now();
        this.emit();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Once the listing is up, what was read shows now (while it is being read, it shows when it is whole).
    if (this.loaded) this.emit();
  }

  /** What the list shows of a run now: a finished line as it is, else the newer of its line and its folder. */
  private entryFor(id: string): RunEntry | null {
    if (!this.known.has(id)) return null;
    const line = this.known.get(id);
    if (line && isSettled(line.listing)) return line;
    const read = this.reads.get(id);
    if (!read) return line ?? null;
    if (!line || !read.ok) return read;
    return read.listing.seq >= line.listing.seq ? read : line;
  }

  private followIfMoving(id: string, entry: RunEntry | null): void {
    const settled = entry?.ok === true && isSettled(entry.listing);
    if (this.known.has(id) && !settled && !this.live.has(id)) this.follow(id);
    else this.unfollow(id);
  }

  private touch(id: string): void {
    this.dirty.add(id);
    if (this.loaded) this.flushTimer ??= setTimeout(() => this.flush(), SETTLE_MS);
  }

  private flush(): void {
    this.flushTimer = null;
    if (this.closed || !this.loaded) return;
    const changes = new Map<string, RunEntry | null>();
    for (const id of this.dirty) {
      const entry = this.entryFor(id);
      if (this.settledLine(id) || !this.known.has(id)) this.reads.delete(id);
      changes.set(id, entry);
      this.followIfMoving(id, entry);
    }
    this.dirty.clear();
    const next = this.list.patch(changes);
    if (next === this.list && !this.movingChanged) return;
    this.list = next;
    this.emit();
  }

  // ---- moving runs, followed in their folders

  private follow(id: string): void {
    if (this.follows.has(id) || this.closed) return;
    const follow: Follow = { watcher: null, stamp: null, reading: false, again: false };
    this.follows.set(id, follow);
    this.movingChanged = true;
    if (this.watchedFolders < WATCHED_MAX) {
      try {
        follow.watcher = watch(runDir(this.workspace, id), (_type, name) => {
          if (name === null || name === METADATA_FILE) void this.readFolder(id);
        });
        follow.watcher.on('error', () => undefined);
        this.watchedFolders++;
      } catch {
        // Gone already, or no watch to be had: the sweep follows it.
      }
    }
    this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_MS);
    void this.readFolder(id);
  }

  private unfollow(id: string): void {
    const follow = this.follows.get(id);
    if (!follow) return;
    if (follow.watcher) {
      follow.watcher.close();
      this.watchedFolders--;
    }
    this.follows.delete(id);
    this.movingChanged = true;
    if (this.follows.size === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
    }
  }

  // A rename can be missed, or a folder be beyond the watched few: every moving run is looked at twice a second
  // (a stat; a read when it changed). Finished runs cost nothing here.
  private sweep(): void {
    const ids = [...this.follows.keys()];
    const count = Math.min(ids.length, SWEEP_MAX);
    for (let i = 0; i < count; i++) void this.readFolder(ids[(this.sweepAt + i) % ids.length] as string);
    this.sweepAt = ids.length > SWEEP_MAX ? (this.sweepAt + count) % ids.length : 0;
  }

  private async readFolder(id: string): Promise<void> {
    const follow = this.follows.get(id);
    if (!follow || this.closed) return;
    if (follow.reading) {
      follow.again = true;
      return;
    }
    follow.reading = true;
    try {
      const stamp = stampOf(path.join(runDir(this.workspace, id), METADATA_FILE));
      if (stamp !== null && stamp === follow.stamp) return;
      const file = await readRunFile(this.workspace, id);
      if (this.closed || this.follows.get(id) !== follow) return;
      follow.stamp = stamp;
      // Not there yet: a run being created shows once it is; one left half-made (its creation failed) as such.
      if (file.text === null && !isHalfMade(this.workspace, id)) return;
      this.reads.set(id, asFolder(id, entryOfRead(file.read)));
      this.touch(id);
    } finally {
      follow.reading = false;
      if (follow.again) {
        follow.again = false;
        void this.readFolder(id);
      }
    }
  }

  // ---- runs/: folders that come and go

  private watchRunsFolder(): boolean {
    if (this.runsWatcher) return true;
    try {
      const watcher = watch(runsDir(this.workspace), (_type, name) => {
        if (typeof name !== 'string') return void this.rescan();
        if (!isRunId(name)) return;
        this.names.add(name);
        this.namesTimer ??= setTimeout(() => this.checkNames(), SETTLE_MS);
      });
      watcher.on('error', () => {
        // runs/ itself went (or the watch broke): the poll watches it again once it is back, and looks afresh.
        watcher.close();
        if (this.runsWatcher === watcher) this.runsWatcher = null;
      });
      this.runsWatcher = watcher;
      return true;
    } catch {
      return false;
    }
  }

  private checkNames(): void {
    this.namesTimer = null;
    if (this.closed || !this.loaded) return;
    if (this.names.size > RESCAN_PAST) {
      // Thousands of folders at once (a restore, an rm -r): runs/ listed afresh rather than each placed in turn.
      this.names.clear();
      return void this.rescan();
    }
    const added: string[] = [];
    for (const id of this.names) {
      const there = existsSync(path.join(runsDir(this.workspace), id));
      if (there === this.known.has(id)) continue;
      if (there) {
        this.addFolder(id);
        added.push(id);
      } else {
        this.known.delete(id);
        this.touch(id);
      }
    }
    this.names.clear();
    this.admit(added);
  }

  // New folders: those the index tells as it does; those it does not, read from their folders (many at once as a
  // batch of summaries, a few one by one, followed).
  private admit(added: readonly string[]): void {
    const unknown = added.filter((id) => !this.known.get(id) && !this.reads.has(id));
    const bulk = unknown.length >= BULK_MIN ? new Set(unknown) : null;
    for (const id of added) if (!bulk?.has(id)) this.touch(id);
    if (bulk) void this.readFolders(unknown).then(() => unknown.forEach((id) => this.touch(id)));
  }

  // runs/ listed afresh and compared with what is known: when its watch started late (runs/ made after the TUI
  // opened) or could not tell what changed.
  private async rescan(): Promise<void> {
    if (!this.loaded) return;
    if (this.rescanning) {
      this.rescanAgain = true;
      return;
    }
    this.rescanning = true;
    try {
      const ids = await listRunIds(this.workspace).catch(() => null);
      if (!ids || this.closed) return;
      const now = new Set(ids);
      const added = ids.filter((id) => !this.known.has(id));
      // A folder made while runs/ was being read is not in that listing, and stays.
      const since = [...this.known.ids].filter((id) => !now.has(id) && existsSync(runDir(this.workspace, id)));
      for (const id of this.known.ids) if (!now.has(id)) this.touch(id);
      // The new listing, each run with the line it had (or one read before its folder was seen).
      this.known.reset(since.length ? [...ids, ...since].sort().reverse() : ids, (id) => this.lineOf(id) ?? null);
      for (const id of added) this.stray.delete(id);
      this.admit(added);
    } finally {
      this.rescanning = false;
      if (this.rescanAgain) {
        this.rescanAgain = false;
        void this.rescan();
      }
    }
  }

  // ---- the index: appended lines, and a new file after a compaction or a rebuild

  private watchStateFolder(): void {
    if (this.stateWatcher) return;
    try {
      const watcher = watch(daemonPaths(this.workspace).dir, (_type, name) => {
        if (name === null || name === path.basename(runIndexFile(this.workspace))) this.indexTimer ??= setTimeout(() => this.refreshIndex(), SETTLE_MS);
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.stateWatcher === watcher) this.stateWatcher = null;
      });
      this.stateWatcher = watcher;
    } catch {
      // No .pipe-tui/ yet: the poll watches it once it is made.
    }
  }

  private poll(): void {
    if (this.closed) return;
    if (!this.runsWatcher && this.watchRunsFolder()) {
      if (this.loaded) void this.rescan();
      else this.rescanAfterLoad = true;
    }
    if (!this.stateWatcher) this.watchStateFolder();
    const stat = statOf(runIndexFile(this.workspace));
    if (stat ? !this.indexed || stat.ino !== this.inode || stat.size !== this.offset : this.indexed) this.refreshIndex();
  }

  private refreshIndex(): void {
    this.indexTimer = null;
    if (this.closed || !this.loaded) return;
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    const stat = statOf(runIndexFile(this.workspace));
    if (!stat) {
      // Deleted: the lines read stay true of the runs they tell (the folders are followed for what moves), and
      // the list says it is from the folders until the daemon has made a new index.
      if (this.indexed) {
        this.indexed = false;
        this.offset = 0;
        this.inode = 0;
        this.emit();
      }
      return;
    }
    if (!this.indexed || stat.ino !== this.inode || stat.size < this.offset) return void this.reload();
    if (stat.size > this.offset) this.tail();
  }

  // What was appended since the last read: a few lines, read at once.
  private tail(): void {
    const chunk = readAppended(runIndexFile(this.workspace), this.offset);
    if (!chunk) return;
    if (chunk.inode !== this.inode) return void this.reload();
    this.offset += chunk.consumed;
    for (const text of chunk.lines) {
      const line = parseIndexLine(text);
      if (!line) continue;
      this.setLine(line.run_id, 'removed' in line ? null : listingEntry(this.intern(line)));
      this.touch(line.run_id);
    }
  }

  // A new file (a compaction, a rebuild, an index made where there was none): read afresh, and every run looked at
  // again. Rare: once when the daemon has rebuilt the index, and at most hourly after compactions.
  private async reload(): Promise<void> {
    this.reloading = true;
    const release = holdYoungGeneration();
    try {
      await this.readIndex();
      if (this.closed) return;
      await this.compose();
      this.flush();
      this.emit();
    } finally {
      release();
      this.reloading = false;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        this.refreshIndex();
      }
    }
  }
}

// ---- the run folders

/**
 * The run folders (their names as read from runs/: the one string each run's id takes), newest first, each with
 * the last index line of its run (null when the index has none). Two arrays and binary search rather than a Map:
 * half the memory at 100 000 runs, and nothing to rehash as it fills.
 */
class Folders {
  ids: string[] = [];
  lines: (ListedEntry | null)[] = [];
  /** Changes when a folder comes or goes (positions move). */
  version = 0;

  /** Every folder of `ids` (newest first; the array is kept), with the line `lineOf` gives (none by default). */
  reset(ids: string[], lineOf: (id: string) => ListedEntry | null = () => null): void {
    const lines = ids.map(lineOf);
    this.ids = ids;
    this.lines = lines;
    this.version++;
  }

  private search(id: string): { at: number; found: boolean } {
    const at = placeOf(this.ids, id, true);
    return at >= 0 ? { at, found: true } : { at: -at - 1, found: false };
  }

  has(id: string): boolean {
    return this.search(id).found;
  }

  /** The run's line: null for none, undefined for no such folder. */
  get(id: string): ListedEntry | null | undefined {
    const { at, found } = this.search(id);
    return found ? this.lines[at] : undefined;
  }

  /** Sets a folder's line; false when there is no such folder. */
  set(id: string, line: ListedEntry | null): boolean {
    const { at, found } = this.search(id);
    if (found) this.lines[at] = line;
    return found;
  }

  add(id: string, line: ListedEntry | null): void {
    const { at, found } = this.search(id);
    if (found) return;
    this.ids.splice(at, 0, id);
    this.lines.splice(at, 0, line);
    this.version++;
  }

  delete(id: string): void {
    const { at, found } = this.search(id);
    if (!found) return;
    this.ids.splice(at, 1);
    this.lines.splice(at, 1);
    this.version++;
  }

}

/** Where `id` is in newest-first `ids`, or -1; with `insert`, -(where it would go) - 1 when it is not there. */
function placeOf(ids: readonly string[], id: string, insert = false): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const here = ids[mid] as string;
    if (here === id) return mid;
    if (here > id) lo = mid + 1;
    else hi = mid;
  }
  return insert ? -lo - 1 : -1;
}

// ---- memory

let holds = 0;

/**
 * Holds V8's young generation at its size while listings are loaded in bulk, and lets it grow again after. Every
 * listing kept (100 000 of them, some 40 MB) is born young and survives, and V8 doubles its young generation each
 * time as much has survived, up to its cap (two semi-spaces of 16 MB), which it then keeps for good, idle or not:
 * some 25 MB of memory for nothing once the listings are in the old generation. The flag is read when V8 would grow
 * the young generation, so it can be set for a while.
 */
function holdYoungGeneration(): () => void {
  const set = (factor: number): void => {
    try {
      setFlagsFromString(`--semi-space-growth-factor=${factor}`);
    } catch {
      // A V8 without it grows as it will.
    }
  };
  if (holds++ === 0) set(1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds === 0) set(2);
  };
}

// ---- reading

/** A run read from its folder: whole while it moves (the list shows its ETA, the detail needs no read), a listing once finished. */
function entryOfRead(read: RunRead): RunEntry {
  if (!read.ok) return read;
  return isTerminal(read.run.status) ? listingEntry(indexEntryOf(read.run)) : entryOfRun(read.run);
}

// A folder is its run: one whose metadata.json names another run (copied by hand) is not listed as that other.
function asFolder(id: string, entry: RunEntry): RunEntry {
  if (!entry.ok || entry.listing.run_id === id) return entry;
  return { ok: false, runId: id, error: new PipeError('ERR_METADATA_CORRUPT', `${id}/${METADATA_FILE} names another run (${entry.listing.run_id})`) };
}

function statOf(file: string): { ino: number; size: number } | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

function stampOf(file: string): string | null {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

/**
 * Listings share their repeated strings and stage states (statuses, pipeline names, `4/5`): 100 000 runs of a few
 * pipelines hold a few hundred of them rather than 100 000 copies each.
 */
function interner(): (listing: IndexEntry, runId?: string) => IndexEntry {
  const strings = new Map<string, string>();
  const states = new Map<string, IndexEntry['current_state']>();
  const one = <T extends string>(text: T): T => {
    const known = strings.get(text);
    if (known !== undefined) return known as T;
    strings.set(text, text);
    return text;
  };
  return (e, runId = e.run_id) => {
    const s = e.current_state;
    const key = `${s.stage}\n${s.step}\n${s.progress}`;
    let state = states.get(key);
    if (!state) {
      state = { stage: s.stage, step: one(s.step), progress: one(s.progress) };
      states.set(key, state);
    }
    const error = e.error && { code: one(e.error.code), message: e.error.message, stage: e.error.stage === null ? null : one(e.error.stage) };
    // One literal of every field: V8 lays it out flat (a parsed object grows its fields as it is filled in).
    return {
      run_id: runId,
      status: one(e.status),
      pipeline: one(e.pipeline),
      created_at: e.created_at,
      started_at: e.started_at,
      ended_at: e.ended_at,
      current_state: state,
      error,
      total_cost_usd: e.total_cost_usd,
      eta_ms: e.eta_ms,
      seq: e.seq,
      active_ms: e.active_ms,
    };
  };
}

interface IndexRead {
  /** The last line of each run of `ids`, at its place there (null: none, or removed). */
  lines: (ListedEntry | null)[];
  /** Bytes up to the last whole line: where appended lines will be read from. */
  offset: number;
  inode: number;
  exists: boolean;
}

/**
 * The last line of each run of `ids` (`place` finds a run there; a removal line drops it), reading the file from
 * its end a chunk at a time with the event loop served between chunks. Older lines of a run already met are
 * skipped on their fixed prefix (peekLine), unparsed; lines that cannot be read are skipped, as RunIndex does. Each
 * listing takes its id from `ids`, the folder's name: one string per run.
 */
async function readIndexBackwards(file: string, ids: readonly string[], intern: (listing: IndexEntry, runId?: string) => IndexEntry, stop: () => boolean): Promise<IndexRead> {
  const lines: (ListedEntry | null)[] = new Array<ListedEntry | null>(ids.length).fill(null);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return { lines, offset: 0, inode: 0, exists: false };
  }
  try {
    const stat = await handle.stat();
    const gone = new Set<number>();
    const take = (text: string): void => {
      if (!text) return;
      const peek = peekLine(text);
      let parsed = peek ? undefined : parseIndexLine(text);
      const id = peek ? peek.runId : parsed?.run_id;
      const at = id === undefined ? -1 : placeOf(ids, id);
      if (at < 0 || lines[at] !== null || gone.has(at)) return;
      if (peek?.status === null || (parsed && 'removed' in parsed)) return void gone.add(at);
      parsed ??= parseIndexLine(text);
      if (parsed && !('removed' in parsed)) lines[at] = listingEntry(intern(parsed, ids[at]));
    };
    let end = stat.size;
    let offset = -1;
    let carry = Buffer.alloc(0);
    while (end > 0 && !stop()) {
      const start = Math.max(0, end - INDEX_CHUNK);
      const chunk = Buffer.allocUnsafe(end - start);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, start);
      let text = Buffer.concat([chunk.subarray(0, bytesRead), carry]);
      end = start;
      if (offset < 0) {
        // The last line may be being written: it is left for the next read of what was appended.
        const last = text.lastIndexOf(0x0a);
        if (last < 0) {
          carry = text;
          continue;
        }
        offset = start + last + 1;
        text = text.subarray(0, last + 1);
      }
      // This chunk's first line may begin in the one before it: it is completed by that one.
      const cut = start === 0 ? -1 : text.indexOf(0x0a);
      carry = Buffer.from(cut < 0 ? Buffer.alloc(0) : text.subarray(0, cut));
      const parts = (cut < 0 ? text : text.subarray(cut + 1)).toString('utf8').split('\n');
      for (let i = parts.length - 1; i >= 0; i--) take(parts[i] as string);
    }
    return { lines, offset: Math.max(0, offset), inode: stat.ino, exists: true };
  } finally {
    await handle.close();
  }
}

// The whole lines past `offset`; a last line without its newline (being written) is left for later.
function readAppended(file: string, offset: number): { lines: string[]; consumed: number; inode: number } | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    const buffer = Buffer.alloc(Math.max(0, stat.size - offset));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    const end = buffer.subarray(0, read).lastIndexOf(0x0a);
    if (end < 0) return { lines: [], consumed: 0, inode: stat.ino };
    return { lines: buffer.subarray(0, end).toString('utf8').split('\n').filter(Boolean), consumed: end + 1, inode: stat.ino };
  } finally {
    closeSync(fd);
  }
}

