import type { Command } from '../shared/protocol.js';
import { type FindAction, type FindState, findReducer, noFind } from './find-state.js';
import { entryId } from './run-entries.js';
import type { RunRows } from './run-rows.js';

// What the screen shows besides the runs themselves: selection, panes, overlays. A pure reducer, so every key's
// effect is testable without a terminal.

export { filterPipelines } from './matching.js';

export type Overlay = null | 'help' | 'picker' | 'params' | 'confirm' | 'search' | 'entities' | 'entity' | 'stats' | 'items' | 'find';

/** The params of a pipeline about to start, as the user edits them (the picker's Tab). */
export interface ParamsForm {
  pipeline: string;
  fields: { name: string; value: string; description: string | null }[];
}

/** What one run shows when selected: each run keeps its own, so moving between runs loses nothing. */
export interface RunView {
  /** The stage whose log is shown; null follows the run's current stage. */
  stage: number | null;
  /** Byte offset of the log pane's top line when scrolled back; null follows the end of the file. */
  logTop: number | null;
  /** The log search's current match (the start of its line), placed near the top; a move of the view forgets it. */
  match?: number | null;
}

export const FOLLOWING: RunView = { stage: null, logTop: null };

/** A command waiting for `y`, asked about one run: it stays that run's even if the selection moves. */
/** What a `y` does: a command to the daemon, or removing a finished run's folder (`d`). */
export type ConfirmAction =
  | {
      body: Command;
      done: string;
      /** Select the run the command makes (a run started again). */
      select?: boolean;
    }
  | { remove: string };

export type Confirm = { question: string } & ConfirmAction;

export interface UiState {
  /** The selected run; null selects the newest (or the oldest, after G). */
  selectedId: string | null;
  /** G: the oldest run is selected, whichever it is once every run is listed (the newest are listed first). */
  oldest: boolean;
  /** A run started from here: selected as soon as it is listed. */
  awaited: string | null;
  runs: Readonly<Record<string, RunView>>;
  showLog: boolean;
  overlay: Overlay;
  query: string;
  pick: number;
  /** The `/` search over the run list; empty for every run. */
  filter: string;
  confirm: Confirm | null;
  /** The entity viewer's first line. */
  scroll: number;
  /** One line of feedback: a command's answer or error. Numbered, so a fade meant for an older note spares it. */
  note: string | null;
  noteId: number;
  form: ParamsForm | null;
  /** The fan-out item chosen in the item list (its index among the stage's items); null for none yet. */
  item: number | null;
  /** The log pane's search: its prompt, the search kept, the filter view. */
  find: FindState;
}

export const initialUi: UiState = {
  selectedId: null, oldest: false, awaited: null, runs: {}, showLog: false, overlay: null, query: '', pick: 0, filter: '', confirm: null, scroll: 0, note: null, noteId: 0, form: null, item: null, find: noFind,
};

export type UiAction =
  /** `from`: the run selected now (the newest when none was chosen). `runs`: the runs listed, newest first. */
  | { type: 'move'; delta: number; runs: RunRows; from?: string | null }
  | { type: 'jump'; to: 'newest' | 'oldest' }
  | { type: 'stage'; runId: string; delta: number; count: number; current: number }
  | { type: 'toggle-log' }
  /** `match`: the log search's match the view now shows near its top. */
  | { type: 'log-top'; runId: string; top: number | null; match?: number }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'query'; query: string }
  | { type: 'pick'; delta: number; count: number }
  | { type: 'note'; note: string | null }
  | { type: 'note-fade'; id: number }
  | { type: 'select'; id: string }
  | { type: 'await'; id: string }
  | { type: 'filter'; filter: string }
  | { type: 'confirm'; confirm: Confirm }
  | { type: 'scroll'; to: number }
  /** Opens the params form (pick on its first field). */
  | { type: 'form'; form: ParamsForm }
  /** The picked field's new value. */
  | { type: 'field'; value: string }
  /** Between the entity list and one entity's content, keeping the list's selection. */
  | { type: 'entity-view'; open: boolean }
  /** Opens a fan-out stage's item list on `item`: that run and stage stay chosen while it is open. */
  | { type: 'items'; runId: string; stage: number; item: number | null }
  | { type: 'item'; item: number | null }
  | FindAction;

const runView = (state: UiState, runId: string): RunView => state.runs[runId] ?? FOLLOWING;
const withRun = (state: UiState, runId: string, view: RunView): UiState => ({ ...state, runs: { ...state.runs, [runId]: view } });

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'move': {
      const { runs } = action;
      if (runs.length === 0) return state;
      const from = action.from ?? state.selectedId;
      const at = Math.max(0, from ? runs.indexOf(from) : 0);
      const next = runs.at(Math.min(runs.length - 1, Math.max(0, at + action.delta)));
      return { ...state, selectedId: next ? entryId(next) : null, oldest: false, awaited: null };
    }
    case 'jump':
      // The newest is followed, as at start: a run that appears later is selected in its turn. So is the oldest,
      // which G may ask for before every run is listed.
      return { ...state, selectedId: null, oldest: action.to === 'oldest', awaited: null };
    case 'select':
      return { ...state, selectedId: action.id, oldest: false, awaited: null };
    case 'await':
      return { ...state, awaited: action.id };
    case 'stage': {
      if (action.count === 0) return state;
      const from = runView(state, action.runId).stage ?? action.current;
      return withRun(state, action.runId, { stage: Math.min(action.count - 1, Math.max(0, from + action.delta)), logTop: null });
    }
    case 'toggle-log':
      return { ...state, showLog: !state.showLog };
    case 'log-top':
      return withRun(state, action.runId, { ...runView(state, action.runId), logTop: action.top, match: action.match ?? null });
    case 'overlay':
      return { ...state, overlay: action.overlay, query: '', pick: 0, scroll: 0, confirm: null, form: action.overlay === 'params' ? state.form : null };
    case 'form':
      return { ...state, overlay: 'params', form: action.form, pick: 0 };
    case 'field': {
      if (!state.form) return state;
      const fields = state.form.fields.map((f, i) => (i === state.pick ? { ...f, value: action.value } : f));
      return { ...state, form: { ...state.form, fields } };
    }
    case 'query':
      return { ...state, query: action.query, pick: 0 };
    case 'pick':
      return { ...state, pick: Math.min(Math.max(0, action.count - 1), Math.max(0, state.pick + action.delta)) };
    case 'note':
      return { ...state, note: action.note, noteId: state.noteId + 1 };
    case 'note-fade':
      return action.id === state.noteId ? { ...state, note: null } : state;
    case 'filter':
      return { ...state, filter: action.filter };
    case 'confirm':
      return { ...state, overlay: 'confirm', confirm: action.confirm };
    case 'scroll':
      return { ...state, scroll: Math.max(0, action.to) };
    case 'entity-view':
      return { ...state, overlay: action.open ? 'entity' : 'entities', scroll: 0 };
    case 'items':
      // The run and the stage are pinned, so that neither a newer run (followed while none was chosen) nor the
      // run's next stage takes the list's place under the reader.
      return {
        ...withRun(state, action.runId, { ...runView(state, action.runId), stage: action.stage }),
        overlay: 'items', selectedId: action.runId, oldest: false, awaited: null, item: action.item,
      };
    case 'item':
      return { ...state, item: action.item };
    case 'find-text':
    case 'find-keep':
    case 'find-filter':
    case 'find-context':
    case 'find-top':
      return { ...state, find: findReducer(state.find, action) };
  }
}
