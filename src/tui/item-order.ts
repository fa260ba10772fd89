import type { Items } from '../shared/metadata-schema.js';

// A fan-out stage's items in the order its list shows them: the failed first (what needs a look), then the running,
// then every other item by index (items start in index order, so the succeeded come before the pending). Built from
// the stage's few counts and its running and failed lists, never from a list of every item: a row is found by its
// place, and a place by its item, in time bounded by the failed and running ones, so 100 000 items cost what ten do.

export type ItemStatus = 'failed' | 'running' | 'retrying' | 'succeeded' | 'pending';

export interface ItemRow {
  index: number;
  status: ItemStatus;
  /** Failed: its error, and how many attempts it had. */
  failed: Items['failed'][number] | null;
  /** Running or waiting to retry: its attempt and when it started. */
  running: Items['running'][number] | null;
}

export interface ItemOrder {
  /** Rows in all: one per item. */
  length: number;
  /** The row at `place` (0 ≤ place < length). */
  at: (place: number) => ItemRow;
  /** Where item `index` is in the list now. */
  placeOf: (index: number) => number;
}

const byIndex = <T extends { index: number }>(list: readonly T[]): T[] => [...list].sort((a, b) => a.index - b.index);

/** How many of the sorted `list` are below `value`. */
function countBelow(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function itemOrder(items: Items): ItemOrder {
  const failed = byIndex(items.failed.filter((f) => f.index < items.total));
  const running = byIndex(items.running.filter((r) => r.index < items.total));
  // The indexes listed ahead of the rest, ascending: the rest are the indexes that are not among them.
  const ahead = [...failed.map((f) => f.index), ...running.map((r) => r.index)].sort((a, b) => a - b);
  const head = failed.length + running.length;
  const row = (index: number): ItemRow => ({ index, status: index < items.next ? 'succeeded' : 'pending', failed: null, running: null });
  return {
    length: items.total,
    at(place) {
      const f = failed[place];
      if (f) return { index: f.index, status: 'failed', failed: f, running: null };
      const r = running[place - failed.length];
      if (r) return { index: r.index, status: r.next_attempt_at ? 'retrying' : 'running', failed: null, running: r };
      // The k-th index not listed ahead: each listed index at or below the candidate pushes it one further.
      let index = place - head;
      for (const skipped of ahead) {
        if (skipped > index) break;
        index++;
      }
      return row(index);
    },
    placeOf(index) {
      const f = failed.findIndex((x) => x.index === index);
      if (f >= 0) return f;
      const r = running.findIndex((x) => x.index === index);
      if (r >= 0) return failed.length + r;
      return head + index - countBelow(ahead, index);
    },
  };
}

/** The item `delta` rows from `item` (null: the first row), kept within the list; null for a list with no item. */
export function itemMoved(order: ItemOrder, item: number | null, delta: number): number | null {
  if (order.length === 0) return null;
  const from = item === null ? 0 : order.placeOf(Math.min(item, order.length - 1));
  return order.at(Math.min(order.length - 1, Math.max(0, from + delta))).index;
}

/** The window of `height` rows over the list, keeping `place` in view (near the middle, as the run list does). */
export function itemWindow(length: number, place: number, height: number): { first: number; rows: number } {
  const rows = Math.max(0, Math.min(length, height));
  const first = Math.min(Math.max(0, place - Math.floor(rows / 2)), Math.max(0, length - rows));
  return { first, rows };
}
