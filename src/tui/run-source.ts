import { type FSWatcher, existsSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import { isRunId } from '../shared/names.js';
import { activeMsOf, entryOfSummary, isSettled } from '../shared/run-index-entry.js';
import { daemonPaths, runDir, runsDir } from '../workspace/layout.js';
import { parseIndexLine, runIndexFile } from '../workspace/run-index.js';
import { readAppendedLines } from '../workspace/run-index-file.js';
import { listNewestRuns } from '../workspace/run-listing.js';
import { isHalfMade, listRunIds, readSummariesWithSync } from '../workspace/run-reader.js';
import { readIndexBackwards } from './index-lines.js';
import { holdYoungGeneration, interner } from './listing-memory.js';
import { MovingRuns, asFolder } from './moving-runs.js';
import { type ListedEntry, type RunEntry, listingEntry } from './run-entries.js';
import { Folders } from './run-folders.js';
import { RunRows } from './run-rows.js';

// The runs the TUI lists from disk, from the runs index (`.pipe-tui/runs.ndjson`) wherever it can be trusted and
// from the run folders where it cannot, so that 100 000 runs cost about what 100 do:
//
// - First the newest runs (listNewestRuns: the names in runs/ and the end of the index), drawn at once; then every
//   run: the index read backwards a chunk at a time (each run's last line wins; only that one is parsed), with the
//   event loop served between chunks so keys never wait long (src/tui/index-lines.ts).
// - A finished run is its index line, a listing, never its whole metadata.json (read when it is selected).
// - A run the index lacks or calls still moving, and that the feed does not carry (a foreground CLI's, any run
//   while no daemon answers), is read from its folder and followed there (src/tui/moving-runs.ts). Without an
//   index (an old workspace, one the daemon has yet to rebuild) every folder is read, a batch a turn, as listAllRuns
//   would, but without holding the event loop for the whole of them.
// - Changes: the index is read from where it was last read whenever `.pipe-tui/` changes (an fs.watch on the
//   folder, and a stat every second should that miss), and afresh when a compaction replaces it. Folders added or
//   removed by hand are seen by an fs.watch on runs/ itself. Not chokidar: it stats every entry of what it
//   watches when it starts, 100 000 folders here, before it reports anything.
//
// The file's rules are RunIndex's (src/workspace/run-index.ts: the last line of a run wins, a removal line forgets
// it, bad lines are skipped, a new inode or a shorter file is a new file), its lines are parsed by the same
// parseIndexLine, and they are cut from the file by the same code (src/workspace/run-index-file.ts: the whole lines
// appended past an offset, or the lines from the end a chunk at a time; a half-written last line is no line yet).
// Where each line goes is the TUI's own, not RunIndex's: the list is patched run by run, and RunIndex's refresh()
// says whether anything changed but not which runs did; and the whole file is read in chunks off the key path, the
// event loop served between them, where RunIndex's first read is one synchronous parse of it (about a second at
// 100 000 runs).

/** Runs drawn before the whole index is read. */
export const FIRST_PAINT = 300;
/** Folders read (as summaries) between two turns of the event loop, where the index lacks them. */
const FOLDER_BATCH = 200;
/** Runs the index lacks past which they are read as a batch of summaries rather than one by one. */
const BULK_MIN = 16;
const POLL_MS = 1000;
/** Changes that arrive together are taken up together. */
const SETTLE_MS = 30;
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
  /** Runs followed in their folders. */
  private readonly moving: MovingRuns;
  /** The runs followed as last told (an array of moving's: a new one when one came or went). */
  private told: readonly string[] = [];
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
  private readonly pollTimer: NodeJS.Timeout;
  private readonly intern = interner();

  constructor(
    private readonly workspace: string,
    private readonly onChange: (state: RunSourceState) => void,
  ) {
    this.moving = new MovingRuns(workspace, (id, entry) => {
      this.reads.set(id, entry);
      this.touch(id);
    });
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
    for (const timer of [this.flushTimer, this.namesTimer, this.indexTimer]) if (timer) clearTimeout(timer);
    this.runsWatcher?.close();
    this.stateWatcher?.close();
    this.moving.close();
  }

  setLive(ids: Iterable<string>): void {
    const next = new Set(ids);
    for (const id of next) if (!this.live.has(id)) this.touch(id);
    for (const id of this.live) if (!next.has(id)) this.touch(id);
    this.live = next;
  }

  private emit(): void {
    if (this.closed) return;
    this.told = this.moving.ids();
    this.onChange({ entries: this.list, moving: this.told, complete: this.loaded, indexed: this.indexed });
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
        this.moving.unfollow(id);
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
    if (this.known.has(id) && !settled && !this.live.has(id)) this.moving.follow(id);
    else this.moving.unfollow(id);
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
    if (next === this.list && this.moving.ids() === this.told) return;
    this.list = next;
    this.emit();
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
    const chunk = readAppendedLines(runIndexFile(this.workspace), this.offset);
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

function statOf(file: string): { ino: number; size: number } | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
