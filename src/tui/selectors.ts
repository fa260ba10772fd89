import { failedStage } from '../shared/derive-run.js';
import { type Entity, type RunMetadata, type StageState, isTerminal } from '../shared/metadata-schema.js';
import { entityPath } from '../workspace/entity-files.js';
import { stageLogPath } from '../workspace/layout.js';
import type { KeyContext } from './keymap.js';
import { type RunEntry, entryId } from './run-entries.js';
import type { UiState } from './ui-state.js';

// What the screen shows, decided from the runs and the UI state alone: pure, so every rule is tested without a
// terminal, and the root only wires the answers to components.

export interface Selection {
  /** Every listed run's id, newest first. */
  ids: string[];
  /** The selected run: the one asked for while it is listed, else the newest. */
  selectedId: string | null;
  entry: RunEntry | null;
  /** The selected run when it can be read. */
  run: RunMetadata | null;
  /** The stage whose log is shown: the one asked for, else the run's current stage. */
  stageIndex: number;
  stage: StageState | null;
  /** The selected run when it ended badly with an error to show in the panel. */
  failed: RunMetadata | null;
  /** An entity opened for viewing. */
  entity: Entity | null;
  /** Some listed run still moves, so ages and durations tick. */
  moving: boolean;
}

export function select(entries: RunEntry[], ui: UiState): Selection {
  const ids = entries.map(entryId);
  const selectedId = ui.selectedId && ids.includes(ui.selectedId) ? ui.selectedId : (ids[0] ?? null);
  const entry = entries.find((e) => entryId(e) === selectedId) ?? null;
  const run = entry?.ok ? entry.run : null;
  const stageIndex = run ? Math.max(0, Math.min(ui.stage ?? run.current_state.stage, run.stages.length - 1)) : 0;
  return {
    ids,
    selectedId,
    entry,
    run,
    stageIndex,
    stage: run?.stages[stageIndex] ?? null,
    failed: run && endedBadly(run) ? run : null,
    entity: ui.overlay === 'entity' && run ? (run.entities[ui.pick] ?? null) : null,
    moving: entries.some((e) => e.ok && !isTerminal(e.run.status)),
  };
}

/** Failed, interrupted or cancelled, with an error to tell. */
export const endedBadly = (run: RunMetadata): boolean =>
  (run.status === 'failed' || run.status === 'interrupted' || run.status === 'cancelled') && run.error !== null;

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

/** What the key handler needs to know of the screen. */
export function keyContext(s: Selection, pipelines: string[], user: string): KeyContext {
  return {
    ids: s.ids,
    selectedId: s.selectedId,
    stageCount: s.run?.stages.length ?? 0,
    stageIndex: s.stageIndex,
    entityCount: s.run?.entities.length ?? 0,
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
