import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import * as z from 'zod';
import type { RunMetadata, StageState } from '../shared/metadata-schema.js';
import { writeAtomic } from './atomic-write.js';
import type { RunRecorder } from '../daemon/engine/run-recorder.js';
import { daemonPaths } from './layout.js';
import { listRunIds, readRun } from './run-reader.js';

// Every finished stage of every run, per pipeline: `.pipe-tui/history.ndjson`, one line appended as each stage
// ends, so ETAs and stats never walk thousands of run folders. The folders stay the truth: a missing or corrupt
// index is rebuilt from them.

export const HistoryRecord = z.object({
  run_id: z.string(),
  pipeline: z.string(),
  stage: z.string(),
  index: z.number().int(),
  status: z.enum(['succeeded', 'failed', 'skipped', 'cancelled']),
  duration_ms: z.number().nullable(),
  attempts: z.number().int(),
  error_code: z.string().nullable(),
  ended_at: z.string(),
});
export type HistoryRecord = z.infer<typeof HistoryRecord>;

/** How many recent successful runs of a stage its usual duration is the median of. */
export const RECENT = 20;

const ENDED = new Set<StageState['status']>(['succeeded', 'failed', 'skipped', 'cancelled']);

/** The record of a stage that has ended, or null while it has not. */
export function stageRecord(run: RunMetadata, stage: StageState): HistoryRecord | null {
  if (!ENDED.has(stage.status) || !stage.ended_at) return null;
  return {
    run_id: run.run_id,
    pipeline: run.pipeline,
    stage: stage.id,
    index: stage.index,
    status: stage.status as HistoryRecord['status'],
    duration_ms: stage.duration_ms,
    attempts: stage.attempts,
    error_code: stage.error?.code ?? null,
    ended_at: stage.ended_at,
  };
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
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

export class History {
  private readonly byPipeline = new Map<string, Map<string, HistoryRecord[]>>();
  private readonly seen = new Set<string>();
  private offset = 0;
  private inode = 0;

  private constructor(private readonly file: string) {}

  /** Loads the index, rebuilding it from the run folders when it is missing or corrupt. */
  static async open(workspace: string): Promise<History> {
    const history = new History(daemonPaths(workspace).history);
    if (!history.load(true)) await history.rebuild(workspace);
    return history;
  }

  /** Writes the index afresh from every run folder. */
  async rebuild(workspace: string): Promise<number> {
    const records: HistoryRecord[] = [];
    for (const runId of await listRunIds(workspace)) {
      const read = await readRun(workspace, runId);
      if (!read.ok) continue;
      for (const stage of read.run.stages) {
        const record = stageRecord(read.run, stage);
        if (record) records.push(record);
      }
    }
    records.sort((a, b) => a.ended_at.localeCompare(b.ended_at));
    mkdirSync(daemonPaths(workspace).dir, { recursive: true, mode: 0o700 });
    await writeAtomic(this.file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.byPipeline.clear();
    this.seen.clear();
    this.offset = 0;
    this.load();
    return records.length;
  }

  /** Adds records: to the file in one append (whole lines, so concurrent writers never interleave) and here. */
  append(records: HistoryRecord[]): void {
    if (records.length === 0) return;
    this.refresh();
    const fresh = records.filter((r) => !this.seen.has(key(r)));
    if (fresh.length === 0) return;
    appendFileSync(this.file, fresh.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    this.refresh();
  }

  /** Picks up lines other processes (a foreground run) appended since the last look. */
  refresh(): void {
    let stat: { size: number; ino: number };
    try {
      stat = statSync(this.file);
    } catch {
      return;
    }
    if (stat.ino !== this.inode || stat.size < this.offset) {
      // Replaced by a rebuild: read it all again.
      this.byPipeline.clear();
      this.seen.clear();
      this.offset = 0;
    }
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

  // Reads what was appended since the last offset. Strict (at open): a bad line that is not a torn last one makes
  // the index corrupt (false), to be rebuilt; later reads skip such a line rather than stall behind it.
  private load(strict = false): boolean {
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
    const k = key(record);
    if (this.seen.has(k)) return;
    this.seen.add(k);
    let stages = this.byPipeline.get(record.pipeline);
    if (!stages) this.byPipeline.set(record.pipeline, (stages = new Map()));
    const list = stages.get(record.stage) ?? [];
    list.push(record);
    stages.set(record.stage, list);
  }
}

const key = (r: HistoryRecord): string => `${r.run_id}/${r.index}/${r.ended_at}`;

function parseRecord(line: string): HistoryRecord | null {
  try {
    const parsed = HistoryRecord.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
