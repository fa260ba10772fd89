import { appendFileSync } from 'node:fs';
import { makeStateDir } from '../../workspace/run-index-append.js';
import type { HistoryRecord } from '../../shared/history-record.js';
import { stageRecord } from '../../shared/history-record.js';
import { writeAtomic } from '../../workspace/atomic-write.js';
import { HistoryIndex, keepRecent, recordsFromFolders } from '../../workspace/history-index.js';
import { daemonPaths } from '../../workspace/layout.js';
import { listRunIds } from '../../workspace/run-reader.js';
import type { RunRecorder } from './run-recorder.js';

// The write side of the history index: the daemon (and a foreground run) append each stage as it ends, and
// rebuild the file from the run folders when it is missing or corrupt. The folders stay the truth.
export class History extends HistoryIndex {
  /**
   * Loads the index, rebuilding the file from the run folders when it is missing or corrupt; with `background`
   * (the daemon) that rebuild goes on after open returns, ETAs unknown meanwhile, so that a missing index in a
   * workspace of 100 000 runs does not hold the daemon's start. An index grown past its bound is compacted.
   */
  static override async open(workspace: string, options: { background?: boolean; log?: (text: string) => void } = {}): Promise<History> {
    const history = new History(daemonPaths(workspace).history);
    if (history.load(true)) {
      if (history.oversized()) await history.writeRecords(history.kept());
      return history;
    }
    // Without runs there is nothing to fold (a first daemon): an empty index at once, nothing to log.
    if (!options.background || (await listRunIds(workspace)).length === 0) {
      await history.rebuild(workspace);
      return history;
    }
    options.log?.('history index missing or unsound: rebuilding it from the run folders in the background');
    history.rebuilding = history
      .rebuild(workspace)
      .then((n) => options.log?.(`history index rebuilt: ${n} stage records`))
      .catch((error: unknown) => options.log?.(`history index rebuild failed: ${String(error)}`));
    return history;
  }

  /** Settles once a background rebuild is over. */
  rebuilding: Promise<void> = Promise.resolve();

  /** The index written afresh from the run folders (`stats --rebuild`). */
  static async rebuilt(workspace: string): Promise<History> {
    const history = new History(daemonPaths(workspace).history);
    await history.rebuild(workspace);
    return history;
  }

  /** Writes the index afresh from every run folder; returns how many records it holds. */
  async rebuild(workspace: string): Promise<number> {
    const records = keepRecent(await recordsFromFolders(workspace));
    makeStateDir(daemonPaths(workspace).dir);
    await this.writeRecords(records);
    return records.length;
  }

  private async writeRecords(records: HistoryRecord[]): Promise<void> {
    await writeAtomic(this.file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.replace([], false);
    this.load();
  }

  /** Adds records: to the file in one append (whole lines, so concurrent writers never interleave) and here. */
  append(records: HistoryRecord[]): void {
    if (records.length === 0) return;
    this.refresh();
    const fresh = records.filter((r) => !this.has(r));
    if (fresh.length === 0) return;
    appendFileSync(this.file, fresh.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    this.refresh();
  }
}

const STAGE_ENDS = new Set(['stage.succeeded', 'stage.failed', 'stage.skipped', 'stage.cancelled']);

/** Appends each stage of the run to the index as it ends; returns the unsubscribe. */
export function recordHistory(recorder: RunRecorder, history: History): () => void {
  return recorder.subscribe((event, state) => {
    if (!STAGE_ENDS.has(event.type) || !('stage' in event)) return;
    const stage = state.stages[event.stage];
    const record = stage ? stageRecord(state, stage) : null;
    try {
      if (record) history.append([record]);
    } catch {
      // The index only caches what the run folder holds: a failed append (a full disk) is made good by a rebuild.
    }
  });
}
