import { FAILURE_PATTERN } from '../workspace/log-search.js';

// The log search's part of the UI state: the `/` prompt of the log pane, the search kept after Enter, the filter
// view (`&`). Where the view stands in the log (its top, the current match) is each run's own (RunView).

/** A search of the log as typed: plain text or a regular expression, smart case. */
export interface Search {
  text: string;
  regex: boolean;
  /** Named so rather than by its text (E's pattern of failure lines). */
  label?: string;
}

export const FAILURE_SEARCH: Search = { text: FAILURE_PATTERN, regex: true, label: 'failure lines' };

export interface FindState {
  /** What the `/` prompt of the log holds while it is open (the `find` overlay), and whether it is a regex. */
  text: string;
  regex: boolean;
  /** The search kept after Enter (or E): its matches are marked, n / N go through them. */
  kept: Search | null;
  /** `&`: only the lines it matches, with `context` lines around each, from its `top`th match. */
  filter: boolean;
  context: number;
  top: number;
}

export const noFind: FindState = { text: '', regex: false, kept: null, filter: false, context: 0, top: 0 };

/** Context lines around each match in the filter view: 0 to 5. */
export const MAX_CONTEXT = 5;

export type FindAction =
  | { type: 'find-text'; text: string; regex: boolean }
  /** Keeps a search (null: none, and no filter view). */
  | { type: 'find-keep'; search: Search | null }
  | { type: 'find-filter'; on: boolean }
  | { type: 'find-context'; delta: number }
  | { type: 'find-top'; top: number };

export function findReducer(state: FindState, action: FindAction): FindState {
  switch (action.type) {
    case 'find-text':
      return { ...state, text: action.text, regex: action.regex };
    case 'find-keep':
      // A new search starts its filter view at its first match.
      return action.search ? { ...state, kept: action.search, top: 0 } : { ...state, kept: null, filter: false, top: 0 };
    case 'find-filter':
      return { ...state, filter: action.on && state.kept !== null, top: 0 };
    case 'find-context':
      return { ...state, context: Math.min(MAX_CONTEXT, Math.max(0, state.context + action.delta)) };
    case 'find-top':
      return { ...state, top: Math.max(0, action.top) };
  }
}

/** `/needle`, `/re:ne+dle`, or E's `failure lines`. */
export const searchName = (search: Search): string => search.label ?? `/${search.regex ? 're:' : ''}${search.text}`;

/** `10 000`: counts read at a glance. */
export const formatCount = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

export interface FindProgress {
  /** Matches counted so far, whether the count is through (or stopped at `cap`), how far it read (0 to 1). */
  counted: number;
  done: boolean;
  capped: boolean;
  progress: number;
  /** The current match's place among those counted; null when there is none or it is past them. */
  at: number | null;
  /** How far a jump under way has read (0 to 1), or null. */
  busy: number | null;
}

/** What the footer says of the kept search: `/needle  match 3 of 128`, `searching… 43%`, `10 000+`. */
export function findStatus(search: Search, p: FindProgress, ellipsis: string): string {
  const name = searchName(search);
  if (p.busy !== null) return `${name}  searching${ellipsis} ${Math.floor(p.busy * 100)}% (Esc stops)`;
  const total = `${formatCount(p.counted)}${p.capped || !p.done ? '+' : ''}`;
  // A current match past those counted (the count still reads, or stopped at its cap) has no number yet.
  const place = p.at !== null ? `match ${formatCount(p.at + 1)} of ${total}` : `${total} match${total === '1' ? '' : 'es'}`;
  const counting = `counting${ellipsis} ${Math.floor(p.progress * 100)}%`;
  if (!p.done) return p.counted === 0 && p.at === null ? `${name}  ${counting}` : `${name}  ${place}, ${counting}`;
  return `${name}  ${p.counted === 0 ? 'no match' : place}`;
}
