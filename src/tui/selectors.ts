import { failedStage } from '../shared/derive-run.js';
import type { PipeError } from '../shared/errors.js';
import { type Entity, type RunMetadata, type RunStatus, type StageState, isTerminal } from '../shared/metadata-schema.js';
import { itemLogName } from '../shared/names.js';
import { entityPath } from '../workspace/entity-files.js';
import { stageLogPath } from '../workspace/layout.js';
import type { RunRead } from '../workspace/run-reader.js';
import type { FindFacts, KeyContext } from './keymap.js';
import { filterRuns, runMatches, searchText } from './matching.js';
import { type ListedEntry, type RunEntry, entryId, feedWins } from './run-entries.js';
import type { RunRows } from './run-rows.js';
import { FOLLOWING, type UiState } from './ui-state.js';

// What the screen shows, decided from the runs and the UI state alone: pure, so every rule is tested without a
// terminal, and the root only wires the answers to components. The list may hold 100 000 runs: nothing here walks
// it whole on a frame (runs are found by binary search, run ids sorting by time); what must (the `/` search) is
// kept by the caller for as long as its inputs stay the same (listRuns).

/** The listed runs, newest first, and those the `/` search lets through. */
export interface RunLists {
  all: RunRows;
  shown: RunRows;
}

/**
 * The runs shown: `shown` (the listed runs `base`, or those of them a search lets through) with the feed's `live`
 * runs laid over them where the feed is newer, each live run kept if `keep` lets it through. The feed's runs are
 * few: a few binary searches, and a copy of the chunks they fall in; never a sort or a filter of the whole list.
 */
export function overlayLive(base: RunRows, shown: RunRows, live: readonly ListedEntry[], keep: (entry: RunEntry) => boolean = () => true): RunRows {
  const changes = new Map<string, RunEntry | null>();
  for (const entry of live) {
    const id = entry.listing.run_id;
    if (!feedWins(base.at(base.indexOf(id)), entry)) continue;
    changes.set(id, keep(entry) ? entry : null);
  }
  return shown.patch(changes);
}

/**
 * The runs listed from disk (`base`, newest first) with the feed's live runs laid over them, and the part of them
 * the search lets through. `filtered` is `base` filtered by the search: the caller keeps it between frames (it
 * changes only with `base` or the search), so a feed event costs a few binary searches, not a pass over every run.
 */
export function listRuns(base: RunRows, live: readonly ListedEntry[], filter: string, filtered: RunRows = filterRuns(base, filter)): RunLists {
  const all = overlayLive(base, base, live);
  const f = searchText(filter);
  return { all, shown: f ? overlayLive(base, filtered, live, (e) => runMatches(e, f)) : all };
}

/**
 * The selected run: one started from here once listed, else the one asked for while listed, else the oldest after
 * G, else the newest.
 */
export function pickRun(entries: RunRows, ui: UiState): { selectedId: string | null; at: number; entry: RunEntry | null } {
  for (const id of [ui.awaited, ui.selectedId]) {
    const at = id === null ? -1 : entries.indexOf(id);
    if (at >= 0) return { selectedId: id, at, entry: entries.at(at) as RunEntry };
  }
  const at = entries.length === 0 ? -1 : ui.oldest ? entries.length - 1 : 0;
  const entry = entries.at(at) ?? null;
  return { selectedId: entry ? entryId(entry) : null, at, entry };
}

export interface Selection {
  /** The listed runs (those the `/` search lets through), newest first. */
  entries: RunRows;
  /** The selected run: one started from here once listed, else the one asked for while listed, else the newest. */
  selectedId: string | null;
  /** Where the selected run is in `entries` (-1 for none). */
  at: number;
  entry: RunEntry | null;
  /** The selected run's status as listed (null for none, or a folder that cannot be read). */
  status: RunStatus | null;
  /** The selected run's whole state, once read (null before, or when it cannot be). */
  run: RunMetadata | null;
  /** Why the selected run cannot be shown: a folder that cannot be read, listed as such or found so when read. */
  unreadable: { runId: string; error: PipeError } | null;
  /** The stage whose log is shown: the one chosen on this run, else its current stage. */
  stageIndex: number;
  stage: StageState | null;
  /** The selected run's log pane top: a byte offset when scrolled back, null following its end. */
  logTop: number | null;
  /** The log search's current match in that log (the start of its line), or null. */
  logMatch: number | null;
  /** The selected run when it ended badly with an error to show in the panel. */
  failed: RunMetadata | null;
  /** An entity opened for viewing. */
  entity: Entity | null;
}

/**
 * What the screen shows of `entries` (the runs shown, newest first). `detail` is the selected run's whole state as
 * read from its folder (use-run-detail.ts); left out, the state its entry holds (a live or followed run).
 */
export function select(entries: RunRows, ui: UiState, detail?: RunRead | null): Selection {
  const { selectedId, at, entry } = pickRun(entries, ui);
  const held: RunRead | null = entry === null ? null : !entry.ok ? entry : entry.run ? { ok: true, run: entry.run } : null;
  const read = entry?.ok && !entry.run && detail !== undefined ? detail : held;
  const run = read?.ok ? read.run : null;
  const view = (selectedId && ui.runs[selectedId]) || FOLLOWING;
  const stageIndex = run ? Math.max(0, Math.min(view.stage ?? run.current_state.stage, run.stages.length - 1)) : 0;
  return {
    entries,
    selectedId,
    at,
    entry,
    status: entry?.ok ? entry.listing.status : null,
    run,
    unreadable: read && !read.ok ? read : null,
    stageIndex,
    stage: run?.stages[stageIndex] ?? null,
    logTop: view.logTop,
    logMatch: view.match ?? null,
    failed: run && endedBadly(run) ? run : null,
    entity: ui.overlay === 'entity' && run ? (run.entities[ui.pick] ?? null) : null,
  };
}

/** Failed, interrupted or cancelled, with an error to tell. */
export const endedBadly = (run: RunMetadata): boolean =>
  (run.status === 'failed' || run.status === 'interrupted' || run.status === 'cancelled') && run.error !== null;

/**
 * The run list's window of `height` rows over `count` runs, keeping the one at `at` in view: from `first`, `rows`
 * runs. When newer runs are above it, one row says how many (`newer`), so a new run is never silently out of sight.
 */
export function listWindow(count: number, at: number, height: number): { first: number; rows: number; newer: number } {
  const place = (rows: number): number => Math.min(Math.max(0, at - Math.floor(rows / 2)), Math.max(0, count - rows));
  if (place(height) === 0) return { first: 0, rows: Math.min(count, height), newer: 0 };
  const rows = Math.max(1, height - 1);
  const first = place(rows);
  return { first, rows: Math.min(rows, count - first), newer: first };
}

const SECOND = 1000;
const MINUTE = 60_000;
const QUARTER_MINUTE = 15_000;
const HOUR = 3_600_000;
/** Ages of an hour and more: half a minute late at most. */
const COARSE = 30_000;
const moves = (run: { status: RunStatus }): boolean => !isTerminal(run.status);

/**
 * How often the clock must tick for what is on screen, or null when nothing shown depends on the time: every second
 * while a shown run moves (its durations and countdowns) or a shown age is under a minute (it reads in seconds),
 * every 15 s while ages under an hour are shown (they read in minutes), every 30 s for older ones, never behind an
 * overlay that shows no time.
 */
export function clockTick(s: Selection, ui: UiState, listRows: number, now: number): number | null {
  const selectedMoves = (s.run && moves(s.run)) || (s.status !== null && moves({ status: s.status }));
  // The timeline and the item list show the selected run's times alone.
  if (ui.overlay === 'stats' || ui.overlay === 'items') return selectedMoves ? SECOND : null;
  if (ui.overlay !== null && ui.overlay !== 'search' && ui.overlay !== 'confirm' && ui.overlay !== 'find') return null;
  const { first, rows } = listWindow(s.entries.length, Math.max(0, s.at), listRows);
  const shown = s.entries.slice(first, first + rows).flatMap((e) => (e.ok ? [e.listing] : []));
  if (selectedMoves) return SECOND;
  if (shown.some((run) => moves(run) || now - Date.parse(run.created_at) < MINUTE)) return SECOND;
  // Ages past a minute read in minutes (formatAge): a quarter-minute clock keeps them right within 15 s.
  if (shown.some((run) => now - Date.parse(run.created_at) < HOUR)) return QUARTER_MINUTE;
  return shown.length > 0 ? COARSE : null;
}

/**
 * The files the screen reads: the selected stage's log (in the item list, the chosen item's), the failed stage's
 * log, the opened entity.
 */
export interface ShownFiles {
  log: string | null;
  errorLog: string | null;
  entity: string | null;
}

export function shownFiles(workspace: string, s: Selection, item: number | null = null): ShownFiles {
  const broken = s.failed ? failedStage(s.failed) : null;
  const log = s.stage && s.selectedId ? safeLogPath(workspace, s.selectedId, s.stage) : null;
  return {
    // An item's log lies beside its stage's (logs/03_tts/item-00007.log), so it is as safe as the stage's path.
    log: log && item !== null ? itemLogName(log, item) : log,
    errorLog: broken && s.selectedId ? safeLogPath(workspace, s.selectedId, broken) : null,
    entity: s.entity && s.run ? safeEntityPath(workspace, s.run, s.entity) : null,
  };
}

/** What the screen adds to the selection for the keys: the opened entity's length and the daemon's state. */
export interface ScreenFacts {
  entityLines: number;
  pageRows: number;
  /** Rows of the run list: PgUp / PgDn move the selection by as many. */
  listRows: number;
  /** Rows of a fan-out's item list, likewise. */
  itemRows: number;
  daemonUp: boolean;
  /** The log search, as far as the keys need it. */
  find: FindFacts;
}

/** What the key handler needs to know of the screen. */
export function keyContext(s: Selection, pipelines: string[], user: string, screen: Partial<ScreenFacts> = {}): KeyContext {
  return {
    runs: s.entries,
    selectedId: s.selectedId,
    status: s.run?.status ?? s.status,
    run: s.run ? { status: s.run.status, pipeline: s.run.pipeline, pipeline_file: s.run.pipeline_file, params: s.run.params } : null,
    stageCount: s.run?.stages.length ?? 0,
    stageIndex: s.stageIndex,
    items: s.stage?.items ?? null,
    itemRows: screen.itemRows ?? 1,
    entityCount: s.run?.entities.length ?? 0,
    entityLines: screen.entityLines ?? 0,
    pageRows: screen.pageRows ?? 1,
    listRows: screen.listRows ?? 1,
    daemonUp: screen.daemonUp ?? false,
    find: screen.find,
    pipelines,
    user,
  };
}

// A stage id that could not name a log (a corrupt record) shows no log rather than reading elsewhere.
function safeLogPath(workspace: string, runId: string, stage: { index: number; id: string }): string | null {
  try {
    return stageLogPath(workspace, runId, stage);
  } catch {
    return null;
  }
}

// A corrupt record names no path: it is then shown as unreadable instead.
function safeEntityPath(workspace: string, run: RunMetadata, entity: Entity): string | null {
  try {
    return entityPath(workspace, run, entity);
  } catch {
    return null;
  }
}
