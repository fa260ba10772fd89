import type { Command } from '../shared/protocol.js';
import type { PageMove } from './hooks/use-log-view.js';
import { type UiAction, type UiState, filterPipelines, uiReducer } from './ui-state.js';

/** What a key needs to know of the screen besides the UI state. */
export interface KeyContext {
  ids: string[];
  selectedId: string | null;
  stageCount: number;
  stageIndex: number;
  entityCount: number;
  pipelines: string[];
  user: string;
}

export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  tab?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

/** Moves of the log pane need the file on disk, so they are effects; their answer comes back as `log-top`. */
export type Effect =
  | { type: 'exit' }
  | { type: 'command'; body: Command; done: string }
  | { type: 'log-page'; move: PageMove }
  /** Reads a pipeline's params for the form; answered with a `form` action. */
  | { type: 'open-form'; pipeline: string };

export interface KeyResult {
  state: UiState;
  actions: UiAction[];
  effects: Effect[];
}

// Keys → UI actions and effects, as SPEC section 7 lists them. Typed-ahead keys that a slow link delivers in one
// chunk (`nga⏎`) are taken one by one, each seeing the state the previous one left.
export function handleKeys(state: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyResult {
  const special = key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.escape || key.pageUp || key.pageDown || key.tab || key.ctrl || key.meta;
  const chunks = !special && input.length > 1 ? [...input].map(burstKey) : [{ input, key }];
  const result: KeyResult = { state, actions: [], effects: [] };
  for (const chunk of chunks) {
    const { actions, effects } = handleKey(result.state, chunk.input, chunk.key, ctx);
    for (const action of actions) result.state = uiReducer(result.state, action);
    result.actions.push(...actions);
    result.effects.push(...effects);
  }
  return result;
}

// One character of a burst as the key it stands for: Enter, Tab and Backspace arrive as control characters.
function burstKey(ch: string): { input: string; key: KeyFlags } {
  const key = { return: ch === '\r', tab: ch === '\t', backspace: ch === '\x7f' || ch === '\b' };
  return { input: key.return || key.tab || key.backspace ? '' : ch, key };
}

function handleKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): { actions: UiAction[]; effects: Effect[] } {
  const act = (...actions: UiAction[]) => ({ actions, effects: [] as Effect[] });
  const none = { actions: [], effects: [] };
  if (ui.overlay === 'help' || ui.overlay === 'stats') return act({ type: 'overlay', overlay: null });
  if (ui.overlay === 'confirm-cancel') {
    const cancel: Effect[] = input === 'y' && ctx.selectedId ? [{ type: 'command', body: { command: 'cancel', run_id: ctx.selectedId }, done: 'cancelled' }] : [];
    return { actions: [{ type: 'overlay', overlay: null }], effects: cancel };
  }
  if (ui.overlay === 'entity') return act({ type: 'entity-view', open: false });
  if (ui.overlay === 'entities') {
    if (key.escape || input === 'q' || input === 'e') return act({ type: 'overlay', overlay: null });
    if (key.upArrow || input === 'k') return act({ type: 'pick', delta: -1, count: ctx.entityCount });
    if (key.downArrow || input === 'j') return act({ type: 'pick', delta: 1, count: ctx.entityCount });
    if (key.return && ctx.entityCount > 0) return act({ type: 'entity-view', open: true });
    return none;
  }
  if (ui.overlay === 'picker') {
    const matches = filterPipelines(ctx.pipelines, ui.query);
    if (key.escape) return act({ type: 'overlay', overlay: null });
    if (key.upArrow || key.downArrow) return act({ type: 'pick', delta: key.upArrow ? -1 : 1, count: matches.length });
    if (key.return) {
      const name = matches[ui.pick];
      return { actions: [{ type: 'overlay', overlay: null }], effects: name ? [{ type: 'command', body: { command: 'run', pipeline: name, params: {} }, done: `started ${name}` }] : [] };
    }
    if (key.tab) {
      const name = matches[ui.pick];
      return { actions: [], effects: name ? [{ type: 'open-form', pipeline: name }] : [] };
    }
    if (key.backspace || key.delete) return act({ type: 'query', query: ui.query.slice(0, -1) });
    if (input && !key.ctrl && !key.meta) return act({ type: 'query', query: ui.query + input });
    return none;
  }
  if (ui.overlay === 'params' && ui.form) {
    const { form } = ui;
    const field = form.fields[ui.pick];
    if (key.escape) return act({ type: 'overlay', overlay: 'picker' });
    if (key.upArrow || key.downArrow || key.tab) return act({ type: 'pick', delta: key.upArrow ? -1 : 1, count: form.fields.length });
    if (key.return) {
      const params = Object.fromEntries(form.fields.map((f) => [f.name, f.value]));
      return { actions: [{ type: 'overlay', overlay: null }], effects: [{ type: 'command', body: { command: 'run', pipeline: form.pipeline, params }, done: `started ${form.pipeline}` }] };
    }
    if (!field) return none;
    if (key.backspace || key.delete) return act({ type: 'field', value: field.value.slice(0, -1) });
    if (input && !key.ctrl && !key.meta) return act({ type: 'field', value: field.value + input });
    return none;
  }
  if (input === 'q') return { actions: [], effects: [{ type: 'exit' }] };
  if (input === 'j' || key.downArrow) return act({ type: 'move', delta: 1, ids: ctx.ids });
  if (input === 'k' || key.upArrow) return act({ type: 'move', delta: -1, ids: ctx.ids });
  if (key.leftArrow || input === 'h') return act({ type: 'stage', delta: -1, count: ctx.stageCount, current: ctx.stageIndex });
  if (key.rightArrow) return act({ type: 'stage', delta: 1, count: ctx.stageCount, current: ctx.stageIndex });
  if (key.return || input === 'l') return act({ type: 'toggle-log' });
  if (input === 'f' || key.end) return act({ type: 'log-top', top: null });
  if (key.pageUp) return { actions: [], effects: [{ type: 'log-page', move: 'up' }] };
  if (key.pageDown) return { actions: [], effects: [{ type: 'log-page', move: 'down' }] };
  if (key.home) return { actions: [], effects: [{ type: 'log-page', move: 'top' }] };
  if (input === '?') return act({ type: 'overlay', overlay: 'help' });
  if (input === 'n') return act({ type: 'overlay', overlay: 'picker' });
  const runId = ctx.selectedId;
  if (!runId) return none;
  if (input === 'c') return act({ type: 'overlay', overlay: 'confirm-cancel' });
  if (input === 'e') return act({ type: 'overlay', overlay: 'entities' });
  if (input === 's') return act({ type: 'overlay', overlay: 'stats' });
  if (input === 'r') return { actions: [], effects: [{ type: 'command', body: { command: 'resume', run_id: runId }, done: 'resumed' }] };
  if (input === 'a') return { actions: [], effects: [{ type: 'command', body: { command: 'approve', run_id: runId, by: ctx.user }, done: 'approved' }] };
  return none;
}
