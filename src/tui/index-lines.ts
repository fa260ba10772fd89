import { peekLine } from '../shared/run-index-entry.js';
import { parseIndexLine } from '../workspace/run-index.js';
import { readLinesBackwardsAsync } from '../workspace/run-index-file.js';
import type { Intern } from './listing-memory.js';
import { type ListedEntry, listingEntry } from './run-entries.js';
import { placeOf } from './run-folders.js';

/**
 * Bytes of the index parsed between two turns of the event loop: a couple of ms of work, and small enough that
 * its text stays in V8's young generation (a larger string goes straight to the old one and is freed late).
 */
const INDEX_CHUNK = 64 * 1024;

export interface IndexRead {
  /** The last line of each run of `ids`, at its place there (null: none, or removed). */
  lines: (ListedEntry | null)[];
  /** Bytes up to the last whole line: where appended lines will be read from. */
  offset: number;
  inode: number;
  exists: boolean;
}

/**
 * The last line of each run of `ids` (`placeOf` finds a run there; a removal line drops it), reading the file from
 * its end a chunk at a time with the event loop served between chunks. Older lines of a run already met are
 * skipped on their fixed prefix (peekLine), unparsed; lines that cannot be read are skipped, as RunIndex does. Each
 * listing takes its id from `ids`, the folder's name: one string per run.
 */
export async function readIndexBackwards(file: string, ids: readonly string[], intern: Intern, stop: () => boolean): Promise<IndexRead> {
  const lines: (ListedEntry | null)[] = new Array<ListedEntry | null>(ids.length).fill(null);
  const gone = new Set<number>();
  const take = (text: string): void => {
    const peek = peekLine(text);
    let parsed = peek ? undefined : parseIndexLine(text);
    const id = peek ? peek.runId : parsed?.run_id;
    const at = id === undefined ? -1 : placeOf(ids, id);
    if (at < 0 || lines[at] !== null || gone.has(at)) return;
    if (peek?.status === null || (parsed && 'removed' in parsed)) return void gone.add(at);
    parsed ??= parseIndexLine(text);
    if (parsed && !('removed' in parsed)) lines[at] = listingEntry(intern(parsed, ids[at]));
  };
  const { offset, inode, exists } = await readLinesBackwardsAsync(file, take, () => !stop(), INDEX_CHUNK);
  return { lines, offset, inode, exists };
}
