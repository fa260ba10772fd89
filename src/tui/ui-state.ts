// What the screen shows besides the runs themselves: selection, panes, overlays. A pure reducer, so every key's
// effect is testable without a terminal.

export type Overlay = null | 'help' | 'picker' | 'params' | 'confirm-cancel' | 'entities' | 'entity' | 'stats';

/** The params of a pipeline about to start, as the user edits them (the picker's Tab). */
export interface ParamsForm {
  pipeline: string;
  fields: { name: string; value: string; description: string | null }[];
}

export interface UiState {
  /** The selected run; null selects the newest. */
  selectedId: string | null;
  /** The selected stage for the log pane; null follows the run's current stage. */
  stage: number | null;
  showLog: boolean;
  /** Byte offset of the log pane's top line when scrolled back; null follows the end of the file. */
  logTop: number | null;
  overlay: Overlay;
  query: string;
  pick: number;
  /** One line of feedback: a command's answer or error. */
  note: string | null;
  form: ParamsForm | null;
}

export const initialUi: UiState = { selectedId: null, stage: null, showLog: false, logTop: null, overlay: null, query: '', pick: 0, note: null, form: null };

export type UiAction =
  | { type: 'move'; delta: number; ids: string[] }
  | { type: 'stage'; delta: number; count: number; current: number }
  | { type: 'toggle-log' }
  | { type: 'log-top'; top: number | null }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'query'; query: string }
  | { type: 'pick'; delta: number; count: number }
  | { type: 'note'; note: string | null }
  | { type: 'select'; id: string }
  /** Opens the params form (pick on its first field). */
  | { type: 'form'; form: ParamsForm }
  /** The picked field's new value. */
  | { type: 'field'; value: string }
  /** Between the entity list and one entity's content, keeping the list's selection. */
  | { type: 'entity-view'; open: boolean };

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'move': {
      if (action.ids.length === 0) return state;
      const at = Math.max(0, state.selectedId ? action.ids.indexOf(state.selectedId) : 0);
      const next = Math.min(action.ids.length - 1, Math.max(0, at + action.delta));
      return { ...state, selectedId: action.ids[next] ?? null, stage: null, logTop: null };
    }
    case 'select':
      return { ...state, selectedId: action.id, stage: null, logTop: null };
    case 'stage': {
      if (action.count === 0) return state;
      const from = state.stage ?? action.current;
      return { ...state, stage: Math.min(action.count - 1, Math.max(0, from + action.delta)), logTop: null };
    }
    case 'toggle-log':
      return { ...state, showLog: !state.showLog };
    case 'log-top':
      return { ...state, logTop: action.top };
    case 'overlay':
      return { ...state, overlay: action.overlay, query: '', pick: 0, form: action.overlay === 'params' ? state.form : null };
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
      return { ...state, note: action.note };
    case 'entity-view':
      return { ...state, overlay: action.open ? 'entity' : 'entities' };
  }
}

// The picker's filter: every typed character in order, anywhere in the name.
export function filterPipelines(names: string[], query: string): string[] {
  const q = query.toLowerCase();
  return names.filter((name) => {
    let i = 0;
    for (const ch of name.toLowerCase()) if (ch === q[i]) i++;
    return i === q.length;
  });
}
