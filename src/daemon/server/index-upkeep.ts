import { type FSWatcher, existsSync, watch } from 'node:fs';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../shared/metadata-schema.js';
import { indexEntryOf } from '../../shared/run-index-entry.js';
import { isRunId } from '../../shared/names.js';
import { runsDir } from '../../workspace/layout.js';
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
    if (scope.rebuild) this.rebuilt = this.rebuild(scope);
    else {
      this.timers.push(setTimeout(() => this.compact(), COMPACT_FIRST_MS));
      this.rebuilt = this.sweep(scope);
    }
    this.timers.push(setInterval(() => this.compact(), COMPACT_EVERY_MS));
    for (const t of this.timers) t.unref();
    this.follow();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
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
          if (this.manager.liveState(runId)) return indexEntryOf(this.manager.liveState(runId) as NonNullable<ReturnType<RunManager['liveState']>>);
          await recoverRun(this.workspace, this.manager, this.graceMs, runId, report);
          const read = await readRun(this.workspace, runId);
          return read.ok ? indexEntryOf(read.run) : null;
        },
        progress: ({ done, total }) => {
          const tenth = Math.floor((done / Math.max(1, total)) * 10);
          if (tenth > step && done < total) this.log(`runs index: ${done} of ${total} run folders read`);
          step = tenth;
        },
      });
      this.log(`runs index rebuilt: ${count} runs`);
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
        await recoverRun(this.workspace, this.manager, this.graceMs, id, report).catch(() => undefined);
      }
    }
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
      if (compactIndex(this.workspace)) this.log('runs index compacted');
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
      this.watcher.on('error', () => undefined);
    } catch {
      // No runs/ to follow (a read-only workspace): the index is kept by the recorders alone.
    }
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
      if (!read.ok) continue;
      this.known.add(runId);
      appendIndex(this.workspace, [indexEntryOf(read.run)]);
    }
    if (removed.length) indexRemovals(this.workspace, removed);
  }
}
