import { type FSWatcher, existsSync, readFileSync, renameSync, unlinkSync, watch, writeFileSync } from 'node:fs';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../shared/metadata-schema.js';
import { indexEntryOf } from '../../shared/run-index-entry.js';
import { isRunId } from '../../shared/names.js';
import { PRIVATE_FILE_MODE, daemonPaths, runsDir } from '../../workspace/layout.js';
import { runIndexFile, scanIndex } from '../../workspace/run-index.js';
import { listRunIds, readRun, readSummariesSync } from '../../workspace/run-reader.js';
import { rebuildIndex } from '../engine/run-index-rebuild.js';
import { compactIndex, replaceIndex, sizeOf } from '../engine/run-index-writer.js';
import { appendIndex, indexRemovals, makeStateDir } from '../../workspace/run-index-append.js';
import type { RecoveryScope } from './recovery-scope.js';
import { type RecoveryReport, recoverRun } from './recovery.js';
import type { RunManager } from './run-manager.js';

/** Changes in runs/ are taken up this long after the last one: a `cp -r` of many folders is one pass. */
const SETTLE_MS = 200;
/** A compaction is looked for this long after start, and then every hour. */
const COMPACT_FIRST_MS = Number(process.env.PIPE_TUI_INDEX_COMPACT_MS) || 5_000;
const COMPACT_EVERY_MS = 3_600_000;
/** The background check of finished runs' folders: this many at a time, then a pause. */
const SWEEP_BATCH = 200;
const SWEEP_PAUSE_MS = 10;
/** How often a folder found unreadable is read again. */
const RECHECK_MS = 2_000;

// Keeps the runs index true while the daemon runs: rebuilds it in the background when it was missing or unsound
// (recovering moving runs as it meets them), compacts it now and then, and follows runs/ for folders added or
// removed by hand (a restore from backup, an `rm -r`), which no recorder reports.
export class IndexUpkeep {
  private readonly known: Set<string>;
  private watcher: FSWatcher | null = null;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** Folders in runs/ without a line, found unreadable: while there are any, listings read runs/ too. */
  private readonly unindexed = new Set<string>();
  private recheck: NodeJS.Timeout | null = null;
  /** runs/ was compared with the index since start (or the index rebuilt from it). */
  private reconciled = false;
  /** runs.followed says this daemon. */
  private following = false;
  /** Settles when a background rebuild (if any) is done. */
  rebuilt: Promise<void> = Promise.resolve();

  constructor(
    private readonly workspace: string,
    private readonly manager: RunManager,
    private readonly graceMs: number,
    scope: RecoveryScope,
    private readonly log: (text: string) => void,
  ) {
    this.known = scope.known;
    manager.subscribe((event) => this.known.add(event.run_id));
    // Followed from before runs/ is compared with the index, so that nothing made meanwhile is missed.
    this.follow();
    if (scope.rebuild) this.rebuilt = this.rebuild(scope);
    else {
      this.timers.push(setTimeout(() => this.compact(), COMPACT_FIRST_MS));
      this.rebuilt = this.sweep(scope);
    }
    this.timers.push(setInterval(() => this.compact(), COMPACT_EVERY_MS));
    for (const t of this.timers) t.unref();
  }

  close(): void {
    this.closed = true;
    this.unfollowed();
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
    if (this.recheck) clearInterval(this.recheck);
    for (const t of this.timers) clearTimeout(t);
  }

  private async rebuild(scope: RecoveryScope): Promise<void> {
    const file = runIndexFile(this.workspace);
    const scan = scanIndex(file);
    // A workspace with no runs yet (its first daemon): an empty index, and nothing worth a line in the log.
    if (!scan.exists && scope.known.size === 0) return replaceIndex(this.workspace, [], 0);
    // A line torn by a crash is ended, so that what is appended next is not glued to it.
    if (scan.exists && sizeOf(file) > scan.whole) appendFileSync(file, '\n');
    const why = scan.exists ? `${scan.bad} unreadable line${scan.bad === 1 ? '' : 's'}` : 'missing';
    this.log(`runs index ${why}: rebuilding it from ${scope.known.size} run folders in the background`);
    const report: RecoveryReport = { interrupted: [], requeued: [], adopted: [], rebuilt: [], caughtUp: [], corrupt: [], newer: [] };
    let step = 0;
    try {
      const count = await rebuildIndex(this.workspace, {
        each: async (runId, entry) => {
          if (entry && isTerminal(entry.status)) return entry;
          const live = this.manager.liveState(runId);
          if (live) return indexEntryOf(live);
          await recoverRun(this.workspace, this.manager, this.graceMs, runId, report);
          const read = await readRun(this.workspace, runId);
          if (read.ok) return indexEntryOf(read.run);
          if (!entry) this.unreadable(runId);
          return null;
        },
        progress: ({ done, total }) => {
          const tenth = Math.floor((done / Math.max(1, total)) * 10);
          if (tenth > step && done < total) this.log(`runs index: ${done} of ${total} run folders read`);
          step = tenth;
        },
      });
      this.log(`runs index rebuilt: ${count} runs`);
      this.reconciled = true;
      this.sayFollowed();
    } catch (error) {
      this.log(`runs index rebuild failed: ${String(error)}`);
    }
    for (const [what, ids] of Object.entries(report)) if (ids.length) this.log(`recovery: ${what}: ${ids.join(' ')}`);
  }

  // The runs the index calls finished were not opened at start; a metadata.json among them that no longer reads
  // (a disk fault, an editor) is rebuilt from its events as recovery always did, only in the background, gently.
  // When the start took the index's word for which folders exist, runs/ is read now, and what differs made good.
  private async sweep(scope: RecoveryScope): Promise<void> {
    const report: RecoveryReport = { interrupted: [], requeued: [], adopted: [], rebuilt: [], caughtUp: [], corrupt: [], newer: [] };
    const recovered = new Set(scope.runIds);
    if (!scope.listed) {
      const folders = new Set(await listRunIds(this.workspace));
      // Made while runs/ was being read (the daemon's runs, a foreground run) is not gone: looked at again.
      const gone = [...this.known].filter((id) => !folders.has(id) && !this.manager.liveState(id) && !existsSync(path.join(runsDir(this.workspace), id)));
      for (const id of gone) this.known.delete(id);
      if (gone.length) indexRemovals(this.workspace, gone);
      for (const id of folders) {
        if (this.known.has(id) || this.manager.liveState(id)) continue;
        this.known.add(id);
        recovered.add(id);
        const indexed = await recoverRun(this.workspace, this.manager, this.graceMs, id, report).catch(() => false);
        if (!indexed) this.unreadable(id);
      }
    }
    // A folder the start found without a line and could not read has none yet: listed from runs/ until it reads.
    for (const id of scope.lineless) if (!this.manager.liveState(id) && !(await readRun(this.workspace, id)).ok) this.unreadable(id);
    this.reconciled = true;
    this.sayFollowed();
    const runIds = [...this.known].filter((id) => !recovered.has(id));
    for (let i = 0; i < runIds.length && !this.closed; i += SWEEP_BATCH) {
      const unreadable = readSummariesSync(this.workspace, runIds.slice(i, i + SWEEP_BATCH)).filter((r) => !r.ok && r.error.code === 'ERR_METADATA_CORRUPT');
      for (const r of unreadable) if (!r.ok) await recoverRun(this.workspace, this.manager, this.graceMs, r.runId, report).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, SWEEP_PAUSE_MS));
    }
    for (const [what, ids] of Object.entries(report)) if (ids.length) this.log(`recovery: ${what}: ${ids.join(' ')}`);
  }

  private compact(): void {
    try {
      if (compactIndex(this.workspace, undefined, this.known.size)) this.log('runs index compacted');
    } catch (error) {
      this.log(`runs index compaction failed: ${String(error)}`);
    }
  }

  // One watch on runs/ itself (not a watcher per run folder): names that come and go.
  private follow(): void {
    const root = runsDir(this.workspace);
    try {
      makeStateDir(root);
      this.watcher = watch(root, (_type, name) => {
        if (typeof name !== 'string' || !isRunId(name)) return;
        this.pending.add(name);
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.settle(), SETTLE_MS);
      });
      this.watcher.on('error', () => this.unfollowed());
    } catch {
      // No runs/ to follow (a read-only workspace): the index is kept by the recorders alone.
    }
  }

  // Says that the index lists exactly what runs/ holds, and will while this daemon runs: a listing may then take
  // the newest runs from the index alone (run-listing.ts, indexFollowed). Only once runs/ was compared with the
  // index, while it is watched, and while no folder in it is unreadable (a listing shows those from runs/).
  private sayFollowed(): void {
    if (this.closed || !this.watcher || !this.reconciled || this.unindexed.size > 0) return this.unfollowed();
    if (this.following) return;
    const file = daemonPaths(this.workspace).runsFollowed;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${process.pid}\n`, { mode: PRIVATE_FILE_MODE });
      renameSync(tmp, file);
      this.following = true;
    } catch {
      // Not said (a full disk): listings read runs/ as well, which is only slower.
    }
  }

  private unfollowed(): void {
    if (!this.following) return;
    this.following = false;
    const file = daemonPaths(this.workspace).runsFollowed;
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      // Not there, or another daemon's.
    }
  }

  // Folders that could not be read when found (being copied in, or broken) are read again now and then; each
  // one readable, or gone, is done with.
  private unreadable(runId: string): void {
    this.unindexed.add(runId);
    this.sayFollowed();
    if (this.recheck || this.closed) return;
    this.recheck = setInterval(() => void this.readAgain(), RECHECK_MS);
    this.recheck.unref();
  }

  private async readAgain(): Promise<void> {
    for (const runId of [...this.unindexed]) {
      const read = existsSync(path.join(runsDir(this.workspace), runId)) ? await readRun(this.workspace, runId) : null;
      if (read && !read.ok) continue;
      this.unindexed.delete(runId);
      // Every folder here has no line yet, known or not (recovery and the rebuild know them by name): it gets one.
      if (read?.ok && !this.manager.liveState(runId)) {
        this.known.add(runId);
        appendIndex(this.workspace, [indexEntryOf(read.run)]);
      }
    }
    if (this.unindexed.size === 0 && this.recheck) {
      clearInterval(this.recheck);
      this.recheck = null;
    }
    this.sayFollowed();
  }

  private async settle(): Promise<void> {
    this.timer = null;
    const names = [...this.pending];
    this.pending.clear();
    const removed: string[] = [];
    for (const runId of names) {
      const there = existsSync(path.join(runsDir(this.workspace), runId));
      if (!there && this.known.delete(runId)) removed.push(runId);
      if (!there || this.known.has(runId) || this.manager.liveState(runId)) continue;
      // A folder the daemon did not make: indexed once it can be read (one being created is taken up by its recorder).
      const read = await readRun(this.workspace, runId);
      if (!read.ok) {
        this.unreadable(runId);
        continue;
      }
      this.unindexed.delete(runId);
      this.known.add(runId);
      appendIndex(this.workspace, [indexEntryOf(read.run)]);
    }
    if (removed.length) indexRemovals(this.workspace, removed);
    for (const runId of removed) this.unindexed.delete(runId);
    this.sayFollowed();
  }
}
