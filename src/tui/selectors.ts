import { failedStage } from '../shared/derive-run.js';
import { type Entity, type RunMetadata, type StageState, isTerminal } from '../shared/metadata-schema.js';
import { entityPath } from '../workspace/entity-files.js';
import { stageLogPath } from '../workspace/layout.js';
import type { KeyContext } from './keymap.js';
import { filterRuns } from './matching.js';
import { type RunEntry, entryId } from './run-entries.js';
import { FOLLOWING, type UiState } from './ui-state.js';

// What the screen shows, decided from the runs and the UI state alone: pure, so every rule is tested without a
// terminal, and the root only wires the answers to components.

export interface Selection {
  /** The listed runs (those the `/` search lets through), newest first. */
  entries: RunEntry[];
  /** Every listed run's id, newest first. */
  ids: string[];
  /** The selected run: one started from here once listed, else the one asked for while listed, else the newest. */
  selectedId: string | null;
  entry: RunEntry | null;
  /** The selected run when it can be read. */
  run: RunMetadata | null;
  /** The stage whose log is shown: the one chosen on this run, else its current stage. */
  stageIndex: number;
  stage: StageState | null;
  /** The selected run's log pane top: a byte offset when scrolled back, null following its end. */
  logTop: number | null;
  /** The selected run when it ended badly with an error to show in the panel. */
  failed: RunMetadata | null;
  /** An entity opened for viewing. */
  entity: Entity | null;
}

export function select(all: RunEntry[], ui: UiState): Selection {
  const entries = filterRuns(all, ui.filter);
  const ids = entries.map(entryId);
  const listed = (id: string | null): id is string => id !== null && ids.includes(id);
  const selectedId = listed(ui.awaited) ? ui.awaited : listed(ui.selectedId) ? ui.selectedId : (ids[0] ?? null);
  const entry = entries.find((e) => entryId(e) === selectedId) ?? null;
  const run = entry?.ok ? entry.run : null;
  const view = (selectedId && ui.runs[selectedId]) || FOLLOWING;
  const stageIndex = run ? Math.max(0, Math.min(view.stage ?? run.current_state.stage, run.stages.length - 1)) : 0;
  return {
    entries,
    ids,
    selectedId,
    entry,
    run,
    stageIndex,
    stage: run?.stages[stageIndex] ?? null,
    logTop: view.logTop,
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
const moves = (run: RunMetadata): boolean => !isTerminal(run.status);

/**
 * How often the clock must tick for what is on screen, or null when nothing shown depends on the time: every second
 * while a shown run moves (its durations and countdowns) or a shown age is under a minute (it reads in seconds),
 * every 15 s while ages under an hour are shown (they read in minutes), every 30 s for older ones, never behind an
 * overlay that shows no time.
 */
export function clockTick(s: Selection, ui: UiState, listRows: number, now: number): number | null {
  if (ui.overlay === 'stats') return s.run && moves(s.run) ? SECOND : null;
  if (ui.overlay !== null && ui.overlay !== 'search' && ui.overlay !== 'confirm') return null;
  const at = Math.max(0, s.ids.indexOf(s.selectedId ?? ''));
  const { first, rows } = listWindow(s.entries.length, at, listRows);
  const shown = s.entries.slice(first, first + rows).flatMap((e) => (e.ok ? [e.run] : []));
  if (s.run && moves(s.run)) return SECOND;
  if (shown.some((run) => moves(run) || now - Date.parse(run.created_at) < MINUTE)) return SECOND;
  // Ages past a minute read in minutes (formatAge): a quarter-minute clock keeps them right within 15 s.
  if (shown.some((run) => now - Date.parse(run.created_at) < HOUR)) return QUARTER_MINUTE;
  return shown.length > 0 ? COARSE : null;
}

/** The files the screen reads: the selected stage's log, the failed stage's log, the opened entity. */
export interface ShownFiles {
  log: string | null;
  errorLog: string | null;
  entity: string | null;
}

export function shownFiles(workspace: string, s: Selection): ShownFiles {
  const broken = s.failed ? failedStage(s.failed) : null;
  return {
    log: s.stage && s.selectedId ? safeLogPath(workspace, s.selectedId, s.stage) : null,
    errorLog: broken && s.selectedId ? safeLogPath(workspace, s.selectedId, broken) : null,
    entity: s.entity && s.run ? safeEntityPath(workspace, s.run, s.entity) : null,
  };
}

/** What the screen adds to the selection for the keys: the opened entity's length and the daemon's state. */
export interface ScreenFacts {
  entityLines: number;
  pageRows: number;
  daemonUp: boolean;
}

/** What the key handler needs to know of the screen. */
export function keyContext(s: Selection, pipelines: string[], user: string, screen: Partial<ScreenFacts> = {}): KeyContext {
  return {
    ids: s.ids,
    selectedId: s.selectedId,
    run: s.run ? { status: s.run.status, pipeline: s.run.pipeline, pipeline_file: s.run.pipeline_file, params: s.run.params } : null,
    stageCount: s.run?.stages.length ?? 0,
    stageIndex: s.stageIndex,
    entityCount: s.run?.entities.length ?? 0,
    entityLines: screen.entityLines ?? 0,
    pageRows: screen.pageRows ?? 1,
    daemonUp: screen.daemonUp ?? false,
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
