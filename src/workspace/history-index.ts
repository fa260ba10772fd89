import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { HistoryRecord, RECENT, median, recordKey, stageRecord } from '../shared/history-record.js';
import { daemonPaths } from './layout.js';
import { listRunIds, readRun } from './run-reader.js';

// The read side of `.pipe-tui/history.ndjson`: every finished stage of every run, one line each, so ETAs and stats
// never walk thousands of run folders. A reader never writes: when the index is missing or corrupt it is folded
// from the run folders in memory, and writing it again is the daemon's (or `stats --rebuild`'s) job.
export class HistoryIndex {
  private readonly byPipeline = new Map<string, Map<string, HistoryRecord[]>>();
  private readonly seen = new Set<string>();
  private offset = 0;
  private inode = 0;
  /** Read from the run folders, not the file: there is no file to follow. */
  private fromFolders = false;

  protected constructor(protected readonly file: string) {}

  /** Reads the index; without a sound one, the run folders themselves (and nothing is written). */
  static async open(workspace: string): Promise<HistoryIndex> {
    const index = new HistoryIndex(daemonPaths(workspace).history);
    if (!index.load(true)) index.replace(await recordsFromFolders(workspace), true);
    return index;
  }

  /** Picks up lines other processes (the daemon, a foreground run) appended since the last look. */
  refresh(): void {
    if (this.fromFolders) return;
    let stat: { size: number; ino: number };
    try {
      stat = statSync(this.file);
    } catch {
      return;
    }
    if (stat.ino !== this.inode || stat.size < this.offset) this.replace([], false); // replaced by a rebuild
    if (stat.size > this.offset) this.load();
  }

  /** Records of one pipeline's stage, oldest first. */
  records(pipeline: string, stage: string): HistoryRecord[] {
    return this.byPipeline.get(pipeline)?.get(stage) ?? [];
  }

  pipelines(): string[] {
    return [...this.byPipeline.keys()].sort();
  }

  /** Stage ids of a pipeline in the order they last ran. */
  stages(pipeline: string): string[] {
    const stages = [...(this.byPipeline.get(pipeline)?.entries() ?? [])];
    const lastIndex = (records: HistoryRecord[]): number => records.at(-1)?.index ?? 0;
    return stages.sort((a, b) => lastIndex(a[1]) - lastIndex(b[1])).map(([id]) => id);
  }

  /** Each stage's usual duration: the median of its last RECENT successful runs; null without any. */
  estimates(pipeline: string, stageIds: string[]): { expected_ms: number | null; samples: number }[] {
    this.refresh();
    return stageIds.map((id) => {
      const durations = this.records(pipeline, id)
        .filter((r) => r.status === 'succeeded' && r.duration_ms !== null)
        .slice(-RECENT)
        .map((r) => r.duration_ms as number);
      const m = median(durations);
      return { expected_ms: m === null ? null : Math.round(m), samples: durations.length };
    });
  }

  /** Whether some stage holds more than twice the records kept: time to compact the file. */
  protected oversized(): boolean {
    for (const stages of this.byPipeline.values()) for (const list of stages.values()) if (list.length > 2 * KEEP_PER_STAGE) return true;
    return false;
  }

  /** The records a compacted file holds: each stage's last KEEP_PER_STAGE, oldest end first. */
  protected kept(): HistoryRecord[] {
    const all: HistoryRecord[] = [];
    for (const stages of this.byPipeline.values()) for (const list of stages.values()) all.push(...list.slice(-KEEP_PER_STAGE));
    return all.sort((a, b) => a.ended_at.localeCompare(b.ended_at));
  }

  /** Whether a record is already held. */
  protected has(record: HistoryRecord): boolean {
    return this.seen.has(recordKey(record));
  }

  /** Forgets everything held and holds these records instead. */
  protected replace(records: HistoryRecord[], fromFolders: boolean): void {
    this.byPipeline.clear();
    this.seen.clear();
    this.offset = 0;
    this.fromFolders = fromFolders;
    for (const record of records) this.add(record);
  }

  // Reads what was appended since the last offset. Strict (at open): a bad line that is not a torn last one makes
  // the index corrupt (false), to be rebuilt; later reads skip such a line rather than stall behind it.
  protected load(strict = false): boolean {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return false;
    }
    let buffer: Buffer;
    try {
      const stat = fstatSync(fd);
      this.inode = stat.ino;
      buffer = Buffer.alloc(Math.max(0, stat.size - this.offset));
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    // A line still being written (or torn by a crash) waits for its newline.
    const end = buffer.lastIndexOf(0x0a);
    if (end < 0) return true;
    for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
      if (!line) continue;
      const record = parseRecord(line);
      if (record) this.add(record);
      else if (strict) return false;
    }
    this.offset += end + 1;
    return true;
  }

  private add(record: HistoryRecord): void {
    const k = recordKey(record);
    if (this.seen.has(k)) return;
    this.seen.add(k);
    let stages = this.byPipeline.get(record.pipeline);
    if (!stages) this.byPipeline.set(record.pipeline, (stages = new Map()));
    const list = stages.get(record.stage) ?? [];
    list.push(record);
    stages.set(record.stage, list);
  }
}

/**
 * How many records of each stage of each pipeline the index keeps: ETAs use the last RECENT, stats these. A year
 * of hourly runs is 8 760 runs; the index of 100 000 runs stays a few megabytes.
 */
export const KEEP_PER_STAGE = 1000;

/** Each stage's last KEEP_PER_STAGE records, oldest end first. */
export function keepRecent(records: HistoryRecord[]): HistoryRecord[] {
  const count = new Map<string, number>();
  const kept: HistoryRecord[] = [];
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i] as HistoryRecord;
    const key = `${r.pipeline}\0${r.stage}`;
    const n = count.get(key) ?? 0;
    if (n >= KEEP_PER_STAGE) continue;
    count.set(key, n + 1);
    kept.push(r);
  }
  return kept.reverse();
}

/** Every ended stage of every readable run folder, oldest end first: what the index holds when it is whole. */
export async function recordsFromFolders(workspace: string): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for (const runId of await listRunIds(workspace)) {
    const read = await readRun(workspace, runId);
    if (!read.ok) continue;
    for (const stage of read.run.stages) {
      const record = stageRecord(read.run, stage);
      if (record) records.push(record);
    }
  }
  return records.sort((a, b) => a.ended_at.localeCompare(b.ended_at));
}

function parseRecord(line: string): HistoryRecord | null {
  try {
    const parsed = HistoryRecord.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
