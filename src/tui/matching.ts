import type { RunEntry } from './run-entries.js';
import type { RunRows } from './run-rows.js';

// What the typed letters find: pipelines in the picker, runs under the `/` search.

const WORD_START = /[-_.\s/]/;

/** How well `name` matches `query`: 0 a prefix, 1 a word's start, 2 a substring, 3 its letters in order; null none. */
export function matchRank(name: string, query: string): number | null {
  const n = name.toLowerCase();
  const q = query.toLowerCase();
  if (n.startsWith(q)) return 0;
  for (let at = n.indexOf(q); at >= 0; at = n.indexOf(q, at + 1)) {
    if (WORD_START.test(n[at - 1] ?? '')) return 1;
  }
  if (n.includes(q)) return 2;
  let i = 0;
  for (const ch of n) if (ch === q[i]) i++;
  return i === q.length ? 3 : null;
}

/** The picker's matches, best first; names that match equally well keep their order (alphabetical, as listed). */
export function filterPipelines(names: string[], query: string): string[] {
  return names
    .map((name, i) => ({ name, i, rank: matchRank(name, query) }))
    .filter((m): m is { name: string; i: number; rank: number } => m.rank !== null)
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((m) => m.name);
}

/** Whether a run has the typed text (already trimmed and lower-cased) in its pipeline, id or status. */
export function runMatches(entry: RunEntry, f: string): boolean {
  if (!entry.ok) return entry.runId.toLowerCase().includes(f) || 'corrupt'.includes(f) || entry.error.code.toLowerCase().includes(f);
  const { listing } = entry;
  return listing.pipeline.toLowerCase().includes(f) || listing.run_id.toLowerCase().includes(f) || listing.status.includes(f);
}

/** The typed text as runMatches takes it: empty for every run. */
export const searchText = (filter: string): string => filter.trim().toLowerCase();

/**
 * The `/` search: the runs whose pipeline, id or status contains the typed text, in any case. The whole list is
 * filtered, so the caller keeps the answer for as long as the list and the text stay the same.
 */
export function filterRuns(entries: RunRows, filter: string): RunRows {
  const f = searchText(filter);
  if (!f) return entries;
  return entries.filter((e) => runMatches(e, f));
}
