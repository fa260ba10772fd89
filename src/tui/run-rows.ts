import { type RunEntry, entryId, patchEntries } from './run-entries.js';

/** Runs per chunk; a chunk is split when it grows to twice as many. */
const CHUNK = 512;

/**
 * The runs listed, newest first (run ids sort by time), as an immutable list of chunks: a change to a few runs (a
 * live run's progress, a line appended to the index) makes a new list that shares every chunk but theirs. A flat
 * array of 100 000 would be copied whole for each change, 800 kB 30 times a second while a run reports progress, all
 * of it garbage V8 keeps until its next full collection.
 */
export class RunRows implements Iterable<RunEntry> {
  static readonly empty = new RunRows([]);

  /** Index of each chunk's first run. */
  private readonly starts: number[];
  readonly length: number;

  private constructor(private readonly chunks: readonly (readonly RunEntry[])[]) {
    this.starts = [];
    let at = 0;
    for (const chunk of chunks) {
      this.starts.push(at);
      at += chunk.length;
    }
    this.length = at;
  }

  /** `entries`, newest first. */
  static of(entries: readonly RunEntry[]): RunRows {
    if (entries.length === 0) return RunRows.empty;
    const chunks: (readonly RunEntry[])[] = [];
    for (let at = 0; at < entries.length; at += CHUNK) chunks.push(entries.slice(at, at + CHUNK));
    return new RunRows(chunks);
  }

  private chunkAt(index: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  at(index: number): RunEntry | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const k = this.chunkAt(index);
    return (this.chunks[k] as readonly RunEntry[])[index - (this.starts[k] as number)];
  }

  /** The chunk where `id` is or would go: the first whose oldest run is not newer than it (else the last). */
  private chunkOf(id: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as readonly RunEntry[];
      if (entryId(chunk[chunk.length - 1] as RunEntry) <= id) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Where run `id` is, or -1: two binary searches. */
  indexOf(id: string): number {
    if (this.length === 0) return -1;
    const k = this.chunkOf(id);
    const chunk = this.chunks[k] as readonly RunEntry[];
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const here = entryId(chunk[mid] as RunEntry);
      if (here === id) return (this.starts[k] as number) + mid;
      if (here > id) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** The runs from `start` up to `end` (not included): a window of the list. */
  slice(start: number, end = this.length): RunEntry[] {
    const out: RunEntry[] = [];
    const to = Math.min(end, this.length);
    for (let i = Math.max(0, start); i < to; ) {
      const k = this.chunkAt(i);
      const chunk = this.chunks[k] as readonly RunEntry[];
      const from = i - (this.starts[k] as number);
      const take = chunk.slice(from, from + (to - i));
      out.push(...take);
      i += take.length;
    }
    return out;
  }

  toArray(): RunEntry[] {
    return ([] as RunEntry[]).concat(...this.chunks);
  }

  *[Symbol.iterator](): Iterator<RunEntry> {
    for (const chunk of this.chunks) yield* chunk;
  }

  /** The runs `keep` lets through: a pass over every run, for when the list or the test changes. */
  filter(keep: (entry: RunEntry) => boolean): RunRows {
    const kept: RunEntry[] = [];
    for (const chunk of this.chunks) for (const entry of chunk) if (keep(entry)) kept.push(entry);
    return kept.length === this.length ? this : RunRows.of(kept);
  }

  /**
   * The list with the runs of `changes` replaced, inserted where their ids sort, or removed (null); itself when
   * nothing changes. Only the chunks a change falls in are copied.
   */
  patch(changes: ReadonlyMap<string, RunEntry | null>): RunRows {
    if (changes.size === 0) return this;
    if (this.chunks.length === 0 || changes.size > Math.max(CHUNK, this.length / 4)) {
      const next = patchEntries(this.toArray(), changes);
      return next.length === this.length && next.every((e, i) => e === this.at(i)) ? this : RunRows.of(next);
    }
    const byChunk = new Map<number, Map<string, RunEntry | null>>();
    for (const [id, entry] of changes) {
      const k = this.chunkOf(id);
      let own = byChunk.get(k);
      if (!own) byChunk.set(k, (own = new Map()));
      own.set(id, entry);
    }
    let chunks: (readonly RunEntry[])[] | null = null;
    // From the last chunk back, so that splitting or dropping one leaves the places of those before it.
    for (const k of [...byChunk.keys()].sort((a, b) => b - a)) {
      const chunk = this.chunks[k] as readonly RunEntry[];
      const next = patchEntries(chunk, byChunk.get(k) as Map<string, RunEntry | null>);
      if (next === chunk) continue;
      chunks ??= [...this.chunks];
      if (next.length === 0) chunks.splice(k, 1);
      else if (next.length >= 2 * CHUNK) chunks.splice(k, 1, next.slice(0, next.length >> 1), next.slice(next.length >> 1));
      else chunks[k] = next;
    }
    return chunks ? new RunRows(chunks) : this;
  }
}
