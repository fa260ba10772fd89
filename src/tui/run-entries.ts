import type { PipeError } from '../shared/errors.js';
import type { RunMetadata } from '../shared/metadata-schema.js';
import { type IndexEntry, indexEntryOf } from '../shared/run-index-entry.js';

/**
 * A run as the TUI lists it: its listing (its runs-index line, or the same made from its state) and, when the TUI
 * holds it, its whole state (a live run of the feed, a run still moving that is followed in its folder); or a
 * folder that cannot be read, with why. A finished run costs its listing only: its whole state is read when it is
 * selected (hooks/use-run-detail.ts).
 */
export type RunEntry = { ok: true; listing: IndexEntry; run: RunMetadata | null } | { ok: false; runId: string; error: PipeError };
export type ListedEntry = Extract<RunEntry, { ok: true }>;

export const entryId = (entry: RunEntry): string => (entry.ok ? entry.listing.run_id : entry.runId);

/** A listing alone: a finished run the index (or a folder read) tells. */
export const listingEntry = (listing: IndexEntry): ListedEntry => ({ ok: true, listing, run: null });

// One entry per state object: a run whose state did not change keeps its entry, so nothing downstream redraws it.
const ofRun = new WeakMap<RunMetadata, ListedEntry>();

/** A run held whole (the feed's, a followed folder's), its listing made from its state. */
export function entryOfRun(run: RunMetadata): ListedEntry {
  let entry = ofRun.get(run);
  if (!entry) {
    entry = { ok: true, listing: indexEntryOf(run), run };
    ofRun.set(run, entry);
  }
  return entry;
}

// Run ids sort by creation time and every list here is newest first, so a run is found by binary search: no
// per-frame pass over 100 000 entries, and no index to rebuild when the list changes.

/** Where `id` is in a newest-first list (`found`), or where it would go. */
export function searchRun(entries: readonly RunEntry[], id: string): { at: number; found: boolean } {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const here = entryId(entries[mid] as RunEntry);
    if (here === id) return { at: mid, found: true };
    if (here > id) lo = mid + 1;
    else hi = mid;
  }
  return { at: lo, found: false };
}

export const newestFirst = (a: RunEntry, b: RunEntry): number => {
  const x = entryId(a);
  const y = entryId(b);
  return x < y ? 1 : x > y ? -1 : 0;
};

/** Lists with more changes than this are merged by a sort rather than patched change by change. */
const PATCH_MAX = 2000;

/**
 * `list` (newest first) with the runs of `changes` replaced, inserted where their ids sort, or removed (null). The
 * list itself is never touched: a new one is made of its unchanged stretches, and `list` comes back as it is when
 * nothing changes. A few changes cost a few binary searches and one copy of the pointers.
 */
export function patchEntries(list: readonly RunEntry[], changes: ReadonlyMap<string, RunEntry | null>): readonly RunEntry[] {
  if (changes.size === 0) return list;
  if (changes.size > PATCH_MAX) {
    const kept = list.filter((e) => !changes.has(entryId(e)));
    for (const entry of changes.values()) if (entry) kept.push(entry);
    return kept.sort(newestFirst);
  }
  const ops: { at: number; found: boolean; entry: RunEntry | null }[] = [];
  for (const [id, entry] of changes) {
    const { at, found } = searchRun(list, id);
    if (found ? list[at] === entry : entry === null) continue;
    ops.push({ at, found, entry });
  }
  if (ops.length === 0) return list;
  // Ids differ, so two inserts at one place are ordered by their ids (newest first), and an insert before a
  // replacement at the same place.
  ops.sort((a, b) => a.at - b.at || Number(a.found) - Number(b.found) || (a.entry && b.entry ? newestFirst(a.entry, b.entry) : 0));
  const parts: (readonly RunEntry[])[] = [];
  let cursor = 0;
  for (const op of ops) {
    if (op.at > cursor) parts.push(list.slice(cursor, op.at));
    if (op.entry) parts.push([op.entry]);
    cursor = op.found ? op.at + 1 : op.at;
  }
  if (cursor < list.length) parts.push(list.slice(cursor));
  return ([] as RunEntry[]).concat(...parts);
}

/** The feed's runs as entries, newest first. */
export function liveEntries(feed: ReadonlyMap<string, RunMetadata>): ListedEntry[] {
  return [...feed.values()].map(entryOfRun).sort(newestFirst);
}

/** The feed's state of a run wins where it is as new as the listed one or newer. */
export const feedWins = (listed: RunEntry | undefined, live: ListedEntry): boolean => !listed || !listed.ok || listed.listing.seq <= live.listing.seq;
