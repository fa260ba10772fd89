import * as z from 'zod';
import { type RunMetadata, RunStatus, RunSummary, isTerminal } from './metadata-schema.js';

// One line of the runs index (`.pipe-tui/runs.ndjson`): what a listing shows of a run, as of one of its state
// changes. The last line of a run wins; a removal line forgets it. `run_id` and `status` lead every line, in that
// order, so a reader that needs only those (the daemon at start) finds them without parsing the rest.

export const IndexEntry = RunSummary.omit({ schema_version: true }).extend({
  /** The sum of its stages' running times, retries included; null before it starts. */
  active_ms: z.number().nullable(),
});
export type IndexEntry = z.infer<typeof IndexEntry>;

export const IndexRemoval = z.object({ run_id: z.string(), removed: z.literal(true) });
export type IndexRemoval = z.infer<typeof IndexRemoval>;

export const IndexLine = z.union([IndexRemoval, IndexEntry]);
export type IndexLine = z.infer<typeof IndexLine>;

/** The run's listing as of its state now. */
export function indexEntryOf(run: RunMetadata): IndexEntry {
  return {
    run_id: run.run_id,
    status: run.status,
    pipeline: run.pipeline,
    created_at: run.created_at,
    started_at: run.started_at,
    ended_at: run.ended_at,
    current_state: run.current_state,
    error: run.error,
    total_cost_usd: run.total_cost_usd,
    eta_ms: run.eta_ms,
    active_ms: activeMsOf(run),
    seq: run.seq,
  };
}

/** The listing of a run read as a summary (metadata.json without its stages' detail), and its running time. */
export function entryOfSummary(run: RunSummary, active: number | null): IndexEntry {
  const { schema_version: _, ...rest } = run;
  return { ...rest, active_ms: active };
}

/**
 * The time its stages ran (ended ones: their durations), read from metadata.json's JSON as it is, so a rebuild of
 * thousands of runs needs no stage validation; null before the run started.
 */
export function activeMsOf(run: unknown): number | null {
  const json = (run ?? {}) as { started_at?: unknown; stages?: unknown };
  if (typeof json.started_at !== 'string') return null;
  let active = 0;
  for (const stage of Array.isArray(json.stages) ? (json.stages as { duration_ms?: unknown }[]) : []) {
    if (typeof stage?.duration_ms === 'number' && Number.isFinite(stage.duration_ms)) active += Math.max(0, stage.duration_ms);
  }
  return active;
}

/**
 * What makes a new index line worth writing: a change a listing shows. Progress within a stage, ETAs and seq
 * alone do not (they change many times a second); a live run is read from its folder by whoever shows it.
 */
export function listingKey(entry: IndexEntry): string {
  return [entry.status, entry.current_state.stage, entry.current_state.progress, entry.started_at, entry.ended_at, entry.error?.code ?? '', entry.total_cost_usd, entry.active_ms].join('|');
}

/**
 * One line of the file, `run_id` and `status` first. A run's first line in the file, written when it is made (and
 * every line of a rewrite of the file, in id order), ends in FIRST_MARK: reading back from the end, a reader that
 * has passed N runs' first lines has seen every run made after them (see run-listing.ts).
 */
export function indexLineText(line: IndexEntry | IndexRemoval, first = false): string {
  if ('removed' in line) return `${JSON.stringify({ run_id: line.run_id, removed: true })}\n`;
  const { run_id, status, ...rest } = line;
  const text = JSON.stringify({ run_id, status, ...rest });
  return first ? `${text.slice(0, -1)}${FIRST_MARK}\n` : `${text}\n`;
}

/** How a run's first line ends; no other key of a line is `first` (quotes inside strings are escaped). */
export const FIRST_MARK = ',"first":true}';

export const isFirstLine = (line: string): boolean => line.endsWith(FIRST_MARK);

/** A removal line: the run's folder is gone. */
export const removalOf = (runId: string): IndexRemoval => ({ run_id: runId, removed: true });

const PREFIX = /^\{"run_id":"([^"\\]+)",(?:"status":"([a-z_]+)"|"removed":true)/;

/**
 * A line's run id and status (null status: a removal) read from its fixed prefix, without a JSON parse; null
 * when the line does not start as this version writes lines (read it in full then).
 */
export function peekLine(line: string): { runId: string; status: RunStatus | null } | null {
  const m = PREFIX.exec(line);
  if (!m) return null;
  const status = m[2] ?? null;
  if (status !== null && !RunStatus.safeParse(status).success) return null;
  return { runId: m[1] as string, status: status as RunStatus | null };
}

export const isSettled = (entry: Pick<IndexEntry, 'status'>): boolean => isTerminal(entry.status);
