import type { ListedEntry } from './run-entries.js';

/**
 * The run folders (their names as read from runs/: the one string each run's id takes), newest first, each with
 * the last index line of its run (null when the index has none). Two arrays and binary search rather than a Map:
 * half the memory at 100 000 runs, and nothing to rehash as it fills.
 */
export class Folders {
  ids: string[] = [];
  lines: (ListedEntry | null)[] = [];
  /** Changes when a folder comes or goes (positions move). */
  version = 0;

  /** Every folder of `ids` (newest first; the array is kept), with the line `lineOf` gives (none by default). */
  reset(ids: string[], lineOf: (id: string) => ListedEntry | null = () => null): void {
    const lines = ids.map(lineOf);
    this.ids = ids;
    this.lines = lines;
    this.version++;
  }

  private search(id: string): { at: number; found: boolean } {
    const at = placeOf(this.ids, id, true);
    return at >= 0 ? { at, found: true } : { at: -at - 1, found: false };
  }

  has(id: string): boolean {
    return this.search(id).found;
  }

  /** The run's line: null for none, undefined for no such folder. */
  get(id: string): ListedEntry | null | undefined {
    const { at, found } = this.search(id);
    return found ? this.lines[at] : undefined;
  }

  /** Sets a folder's line; false when there is no such folder. */
  set(id: string, line: ListedEntry | null): boolean {
    const { at, found } = this.search(id);
    if (found) this.lines[at] = line;
    return found;
  }

  add(id: string, line: ListedEntry | null): void {
    const { at, found } = this.search(id);
    if (found) return;
    this.ids.splice(at, 0, id);
    this.lines.splice(at, 0, line);
    this.version++;
  }

  delete(id: string): void {
    const { at, found } = this.search(id);
    if (!found) return;
    this.ids.splice(at, 1);
    this.lines.splice(at, 1);
    this.version++;
  }
}

/** Where `id` is in newest-first `ids`, or -1; with `insert`, -(where it would go) - 1 when it is not there. */
export function placeOf(ids: readonly string[], id: string, insert = false): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const here = ids[mid] as string;
    if (here === id) return mid;
    if (here > id) lo = mid + 1;
    else hi = mid;
  }
  return insert ? -lo - 1 : -1;
}
