import type { RunEntry } from './run-entries.js';
import { entryId } from './run-entries.js';

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

/** The `/` search: the runs whose pipeline, id or status contains the typed text, in any case. */
export function filterRuns(entries: RunEntry[], filter: string): RunEntry[] {
  const f = filter.trim().toLowerCase();
  if (!f) return entries;
  return entries.filter((e) => {
    const fields = e.ok ? [e.run.pipeline, e.run.run_id, e.run.status] : [entryId(e), 'corrupt', e.error.code];
    return fields.some((field) => field.toLowerCase().includes(f));
  });
}
