import { logMatcher } from '../workspace/log-search.js';
import { FAILURE_SEARCH } from './find-state.js';
import type { Effect, FindFacts, FindMove, KeyContext, KeyFlags } from './keymap.js';
import { type KeyAnswer, act, none } from './keymap-main.js';
import type { UiState } from './ui-state.js';

// The log pane's own keys while it is open: its search (`/`, n, N), the filter view of the matching lines (&, + and
// -), the failure (E), copying (y, Y) and its ends (g, G). The run list keeps j, k and the rest. `n` is the next
// match only while a search is kept; else it still starts a new run.

const effect = (...effects: Effect[]): KeyAnswer => ({ actions: [], effects });
const IDLE: FindFacts = { busy: false, counted: 0, shown: 0, at: null };

/** The answer to a key on the main screen with the log open, or null for a key the log leaves to the main screen. */
export function logKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext, runId: string): KeyAnswer | null {
  const { kept, filter, top } = ui.find;
  const facts = ctx.find ?? IDLE;
  // Esc stops a search that reads first, then forgets the search.
  if (key.escape && facts.busy) return effect({ type: 'find-stop' });
  if (key.escape && kept) return act({ type: 'find-keep', search: null });
  if (input === '/') return act({ type: 'overlay', overlay: 'find' }, { type: 'find-text', text: '', regex: kept?.regex ?? false });
  if (input === 'y' || input === 'Y') return effect({ type: 'copy', page: input === 'Y' });
  if (input === '&') {
    if (!kept) return act({ type: 'note', note: '& shows only the lines a search finds: search with / first' });
    // Leaving the filter view shows the log around the match that was at its top.
    if (filter) return { actions: [{ type: 'find-filter', on: false }], effects: facts.counted > 0 ? [{ type: 'log-find', runId, move: 'index', search: kept, index: top }] : [] };
    return act({ type: 'find-filter', on: true }, { type: 'find-top', top: facts.at ?? 0 });
  }
  if (filter && kept) {
    const filtered = filterKey(top, input, key, facts);
    if (filtered) return filtered;
  }
  const jump = (move: FindMove): KeyAnswer => (kept ? effect({ type: 'log-find', runId, move, search: kept }) : none);
  if (kept && input === 'n') return jump('next');
  if (input === 'N') return jump('prev');
  if (input === 'g') return effect({ type: 'log-page', move: 'top', runId });
  if (input === 'G') return act({ type: 'log-top', runId, top: null });
  return null;
}

// The filter view: its top is a match's place among those counted; it moves by matches, a page at a time.
function filterKey(top: number, input: string, key: KeyFlags, facts: FindFacts): KeyAnswer | null {
  const last = Math.max(0, facts.counted - 1);
  const page = Math.max(1, facts.shown);
  const to = (at: number) => act({ type: 'find-top', top: Math.min(last, Math.max(0, at)) });
  if (input === 'n') return to(top + 1);
  if (input === 'N') return to(top - 1);
  if (key.pageDown || input === ' ') return to(top + page);
  if (key.pageUp) return to(top - page);
  if (input === 'g' || key.home) return to(0);
  if (input === 'G' || key.end) return to(facts.counted - page);
  if (input === '+' || input === '=') return act({ type: 'find-context', delta: 1 });
  if (input === '-') return act({ type: 'find-context', delta: -1 });
  return null;
}

/** E: the log (opened if need be) at the first line that looks like the failure; n / N then go through such lines. */
export function failureKey(ui: UiState, runId: string): KeyAnswer {
  return {
    actions: [...(ui.showLog ? [] : [{ type: 'toggle-log' } as const]), { type: 'find-keep', search: FAILURE_SEARCH }, { type: 'find-filter', on: false }],
    effects: [{ type: 'log-find', runId, move: 'failure', search: FAILURE_SEARCH }],
  };
}

const typed = (input: string, key: KeyFlags): boolean => Boolean(input) && !key.ctrl && !key.meta;

// The `/` prompt of the log: Tab switches between plain text and a regular expression, Enter keeps the search and
// goes to its next match from the view's top, Esc forgets it.
export function findPromptKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyAnswer {
  const { text, regex } = ui.find;
  if (key.escape) return { actions: [{ type: 'overlay', overlay: null }, { type: 'find-keep', search: null }], effects: [{ type: 'find-stop' }] };
  if (key.tab) return act({ type: 'find-text', text, regex: !regex });
  if (key.return) {
    if (!text) return act({ type: 'overlay', overlay: null });
    try {
      logMatcher(text, regex);
    } catch (error) {
      // The prompt stays open to be mended.
      return act({ type: 'note', note: (error as Error).message });
    }
    const search = { text, regex };
    const runId = ctx.selectedId;
    return { actions: [{ type: 'overlay', overlay: null }, { type: 'find-keep', search }], effects: runId ? [{ type: 'log-find', runId, move: 'first', search }] : [] };
  }
  if (key.backspace || key.delete) return text ? act({ type: 'find-text', text: text.slice(0, -1), regex }) : act({ type: 'overlay', overlay: null });
  if (typed(input, key)) return act({ type: 'find-text', text: text + input, regex });
  return none;
}
