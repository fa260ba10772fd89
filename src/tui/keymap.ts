import type { Command } from '../shared/protocol.js';
import type { Items, RunStatus } from '../shared/metadata-schema.js';
import type { PageMove } from './hooks/use-log-view.js';
import type { RunRows } from './run-rows.js';
import type { Search } from './find-state.js';
import { itemsKey } from './keymap-items.js';
import { findPromptKey } from './keymap-log.js';
import { type KeyAnswer, act, mainKey, none } from './keymap-main.js';
import { filterPipelines } from './matching.js';
import { type UiAction, type UiState, uiReducer } from './ui-state.js';

/** What a key needs to know of the screen besides the UI state. */
export interface KeyContext {
  /** The runs listed (those the search lets through), newest first. */
  runs: RunRows;
  selectedId: string | null;
  /** The selected run's status; null for none, or a folder that cannot be read. */
  status: RunStatus | null;
  /** The selected run's facts that `R` needs; null for none, a folder that cannot be read, or one not read yet. */
  run: { status: RunStatus; pipeline: string; pipeline_file: string | null; params: Record<string, string> } | null;
  stageCount: number;
  stageIndex: number;
  /** The chosen stage's items when it is a fan-out (Enter opens their list); null for a plain stage. */
  items?: Items | null;
  /** Rows of the item list: PgUp / PgDn move by as many. */
  itemRows?: number;
  entityCount: number;
  /** Lines of the opened entity's content, and how many the viewer shows at once. */
  entityLines: number;
  pageRows: number;
  /** Rows of the run list: PgUp / PgDn (the log closed) move the selection by a page of them. */
  listRows: number;
  /** A daemon answers (the feed is live). */
  daemonUp: boolean;
  pipelines: string[];
  user: string;
  /** The log search as the keys need it: a jump under way (Esc stops it), matches counted, matches on the page. */
  find?: FindFacts;
}

export interface FindFacts {
  /** A jump reads the log: Esc stops it. */
  busy: boolean;
  /** Matches counted so far (the filter view's length). */
  counted: number;
  /** Matches the filter view's page shows: PgUp / PgDn move by as many. */
  shown: number;
  /** The current match's place among those counted (null: none, or not counted yet): where `&` starts. */
  at: number | null;
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
  /** `select`: the run the command makes is selected once it is listed. */
  | { type: 'command'; body: Command; done: string; select?: boolean }
  | { type: 'log-page'; move: PageMove; runId: string }
  /** Reads a pipeline's params for the form; answered with a `form` action. */
  | { type: 'open-form'; pipeline: string }
  | { type: 'start-daemon' }
  /** Removes a finished run's folder (`d`, then `y`). */
  | { type: 'remove'; runId: string }
  | FindEffect;

/**
 * The log search's moves, read from disk off the key path and answered with `log-top`: the next match from the
 * view's top (`first`), the next or previous from the current match, the failure (E), the `index`th match counted.
 */
export type FindMove = 'first' | 'next' | 'prev' | 'failure' | 'index';

export type FindEffect =
  | { type: 'log-find'; runId: string; move: FindMove; search: Search; index?: number }
  /** Esc while a jump reads: it stops. */
  | { type: 'find-stop' }
  /** `y` the line at the top or the current match, `Y` the page, to the terminal's clipboard. */
  | { type: 'copy'; page: boolean };

export interface KeyResult {
  state: UiState;
  actions: UiAction[];
  effects: Effect[];
}

// Keys → UI actions and effects. Typed-ahead keys that a slow link delivers in one chunk (`nga⏎`) are taken one by
// one, each seeing the state the previous one left.
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

const typed = (input: string, key: KeyFlags): boolean => Boolean(input) && !key.ctrl && !key.meta;

function handleKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyAnswer {
  switch (ui.overlay) {
    case 'help':
    case 'stats':
      return act({ type: 'overlay', overlay: null });
    case 'confirm':
      // y, and only y: any other key (a stray one included) keeps things as they are.
      if (input !== 'y' || !ui.confirm) return act({ type: 'overlay', overlay: null });
      if ('remove' in ui.confirm) return { actions: [{ type: 'overlay', overlay: null }], effects: [{ type: 'remove', runId: ui.confirm.remove }] };
      return { actions: [{ type: 'overlay', overlay: null }], effects: [{ type: 'command', body: ui.confirm.body, done: ui.confirm.done, select: ui.confirm.select }] };
    case 'search':
      return searchKey(ui, input, key, ctx);
    case 'find':
      return findPromptKey(ui, input, key, ctx);
    case 'entity':
      return entityKey(ui, input, key, ctx);
    case 'entities':
      if (key.escape || input === 'q' || input === 'e') return act({ type: 'overlay', overlay: null });
      if (key.upArrow || input === 'k') return act({ type: 'pick', delta: -1, count: ctx.entityCount });
      if (key.downArrow || input === 'j') return act({ type: 'pick', delta: 1, count: ctx.entityCount });
      if (key.return && ctx.entityCount > 0) return act({ type: 'entity-view', open: true });
      return none;
    case 'items':
      return itemsKey(ui, input, key, ctx);
    case 'picker':
      return pickerKey(ui, input, key, ctx);
    case 'params':
      return paramsKey(ui, input, key);
    case null:
      return mainKey(ui, input, key, ctx);
  }
}

// `/`: the typed text filters the run list at once; Enter keeps the filter, Esc clears it.
function searchKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyAnswer {
  if (key.escape) return act({ type: 'filter', filter: '' }, { type: 'overlay', overlay: null });
  if (key.return) return act({ type: 'overlay', overlay: null });
  if (key.upArrow || key.downArrow) return act({ type: 'move', delta: key.upArrow ? -1 : 1, runs: ctx.runs, from: ctx.selectedId });
  if (key.backspace || key.delete) return ui.filter ? act({ type: 'filter', filter: ui.filter.slice(0, -1) }) : act({ type: 'overlay', overlay: null });
  if (typed(input, key)) return act({ type: 'filter', filter: ui.filter + input });
  return none;
}

// One entity's content, scrolled by line or page; q or Esc goes back to the list.
function entityKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyAnswer {
  const last = Math.max(0, ctx.entityLines - ctx.pageRows);
  const to = (line: number) => act({ type: 'scroll', to: Math.min(last, Math.max(0, line)) });
  if (key.escape || input === 'q') return act({ type: 'entity-view', open: false });
  if (key.downArrow || input === 'j') return to(ui.scroll + 1);
  if (key.upArrow || input === 'k') return to(ui.scroll - 1);
  if (key.pageDown || input === ' ') return to(ui.scroll + ctx.pageRows);
  if (key.pageUp) return to(ui.scroll - ctx.pageRows);
  if (key.home || input === 'g') return to(0);
  if (key.end || input === 'G') return to(last);
  return none;
}

function pickerKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyAnswer {
  const matches = filterPipelines(ctx.pipelines, ui.query);
  if (key.escape) return act({ type: 'overlay', overlay: null });
  if (key.upArrow || key.downArrow) return act({ type: 'pick', delta: key.upArrow ? -1 : 1, count: matches.length });
  if (key.return) {
    const name = matches[ui.pick];
    return { actions: [{ type: 'overlay', overlay: null }], effects: name ? [{ type: 'command', body: { command: 'run', pipeline: name, params: {} }, done: `started ${name}`, select: true }] : [] };
  }
  if (key.tab) {
    const name = matches[ui.pick];
    return { actions: [], effects: name ? [{ type: 'open-form', pipeline: name }] : [] };
  }
  if (key.backspace || key.delete) return act({ type: 'query', query: ui.query.slice(0, -1) });
  if (typed(input, key)) return act({ type: 'query', query: ui.query + input });
  return none;
}

function paramsKey(ui: UiState, input: string, key: KeyFlags): KeyAnswer {
  const { form } = ui;
  if (!form) return act({ type: 'overlay', overlay: null });
  const field = form.fields[ui.pick];
  if (key.escape) return act({ type: 'overlay', overlay: 'picker' });
  if (key.upArrow || key.downArrow || key.tab) return act({ type: 'pick', delta: key.upArrow ? -1 : 1, count: form.fields.length });
  if (key.return) {
    const params = Object.fromEntries(form.fields.map((f) => [f.name, f.value]));
    return { actions: [{ type: 'overlay', overlay: null }], effects: [{ type: 'command', body: { command: 'run', pipeline: form.pipeline, params }, done: `started ${form.pipeline}`, select: true }] };
  }
  if (!field) return none;
  if (key.backspace || key.delete) return act({ type: 'field', value: field.value.slice(0, -1) });
  if (typed(input, key)) return act({ type: 'field', value: field.value + input });
  return none;
}
