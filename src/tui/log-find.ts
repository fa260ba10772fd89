import type { FileHandle } from 'node:fs/promises';
import { plainText, type Span } from '../shared/terminal-text.js';
import { renderedParts, scanLines } from '../workspace/log-lines.js';
import { lineStartAfter, lineStartBefore } from '../workspace/log-paging.js';
import { type LogMatch, type LogMatcher, type SearchOptions, failureMatcher, logMatcher, searchLog } from '../workspace/log-search.js';

// Finding a match of the log search from a place in the log, forward or back, wrapping at the ends: the log is read
// from disk a slice at a time (searchLog, between turns of the event loop), never whole, and what the background
// count already found (its offsets) spares the disk where it can.

/** What the background count knows: every match starting before `scanned` is in `offsets`, in order. */
export interface KnownMatches {
  offsets: readonly number[];
  scanned: number;
}

export const NOTHING_KNOWN: KnownMatches = { offsets: [], scanned: 0 };

export interface FindOptions {
  signal?: AbortSignal;
  /** How much of the search is done, 0 to 1. */
  progress?: (fraction: number) => void;
}

/** A match found: the start of its line, and whether the search went round an end of the log to find it. */
export interface Found {
  start: number;
  wrapped: boolean;
}

/** How far back a backward search reads at first; each further window is twice as long, up to MAX_WINDOW. */
const WINDOW = 1024 * 1024;
const MAX_WINDOW = 64 * 1024 * 1024;
/** How far back `E` looks for the last attempt's first line. */
const ATTEMPT_REACH = 64 * 1024 * 1024;
/** The first line of an attempt, as the daemon writes it into the stage's log. */
const ATTEMPT = logMatcher('^===== pipe-tui: stage .*attempt \\d+ of \\d+', true);

/** A slice of the log searched at once: a megabyte of it should keep the event loop for at most SLICE_MS. */
const MIN_SLICE = 16 * 1024;
const MAX_SLICE = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const SLICE_MS = 6;

export interface SlicedOptions extends SearchOptions {
  /** Waited for before each slice: a search of lower rank (the background count) gives way to another. */
  yieldTo?: () => Promise<void>;
}

/**
 * searchLog over [from, to) in slices of whole lines, the event loop turning between them. searchLog reads a
 * megabyte at a time, and the loop turns at each read; but a megabyte of lines that each have to be played (a
 * pattern found on every line, or one only Unicode can read) keeps it some 50 ms, and keys, the clock and the screen
 * must not wait that long. So each slice is sized from how fast the last one went: whole megabytes at disk speed,
 * a few kilobytes where every line is played.
 */
export async function* slicedSearch(file: FileHandle, matcher: LogMatcher, options: SlicedOptions = {}): AsyncGenerator<LogMatch[]> {
  const to = options.to ?? (await file.stat()).size;
  let position = options.from ?? 0;
  let slice = 256 * 1024;
  while (position < to && !options.signal?.aborted) {
    await options.yieldTo?.();
    const end = position + slice >= to ? to : await sliceEnd(file, position, position + slice, to);
    const began = performance.now();
    for await (const batch of searchLog(file, matcher, { from: position, to: end, signal: options.signal })) yield batch;
    const perChunk = ((performance.now() - began) / Math.max(1, end - position)) * CHUNK;
    // (Whole bytes: a read of a fractional length aborts the process.)
    slice = perChunk < SLICE_MS ? Math.min(MAX_SLICE, slice * 4) : Math.max(MIN_SLICE, Math.min(CHUNK, Math.floor((SLICE_MS / perChunk) * CHUNK)));
    position = end;
    options.progress?.(position);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

// A slice ends at a line start: the start of the line holding `want`, or, for a line longer than the slice, the
// next line's (or the range's end).
async function sliceEnd(file: FileHandle, position: number, want: number, to: number): Promise<number> {
  const start = await lineStartBefore(file, want + 1, 1);
  if (start > position) return start;
  const next = await lineStartAfter(file, position, 1, to);
  return next > position && next < to ? next : to;
}

/** Index of the first offset at or after `at`. */
export function lowerBound(offsets: readonly number[], at: number): number {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((offsets[mid] as number) < at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first match at or after the line start `from`; past the end, the first from the top. */
export async function nextMatch(file: FileHandle, matcher: LogMatcher, from: number, size: number, known: KnownMatches, options: FindOptions = {}): Promise<Found | null> {
  const tell = (done: number) => options.progress?.(size > 0 ? Math.min(1, done / size) : 1);
  const ahead = await firstIn(file, matcher, from, size, known, { ...options, progress: (at) => tell(at - from) });
  if (ahead !== null) return { start: ahead, wrapped: false };
  if (from === 0 || options.signal?.aborted) return null;
  const around = await firstIn(file, matcher, 0, from, known, { ...options, progress: (at) => tell(size - from + at) });
  return around === null ? null : { start: around, wrapped: true };
}

/** The last match starting before `before`; above the top, the last of the log. */
export async function previousMatch(file: FileHandle, matcher: LogMatcher, before: number, size: number, known: KnownMatches, options: FindOptions = {}): Promise<Found | null> {
  const tell = (done: number) => options.progress?.(size > 0 ? Math.min(1, done / size) : 1);
  const behind = await lastIn(file, matcher, 0, before, known, { ...options, progress: (read) => tell(read) });
  if (behind !== null) return { start: behind, wrapped: false };
  if (before >= size || options.signal?.aborted) return null;
  const around = await lastIn(file, matcher, before, size, known, { ...options, progress: (read) => tell(before + read) });
  return around === null ? null : { start: around, wrapped: true };
}

/**
 * The first line that looks like the failure: the first such line of the last attempt (the daemon starts each with
 * a line of its own), or of the whole log when no attempt starts in its last 64 MB; `from` narrows the search to
 * the lines from there (the error panel looks at the log's end only).
 */
export async function failureLine(file: FileHandle, size: number, from = 0, options: FindOptions = {}): Promise<Found | null> {
  const reach = Math.max(from, size - ATTEMPT_REACH);
  const attempt = await lastIn(file, ATTEMPT, reach === 0 ? 0 : await lineStartBefore(file, reach + 1, 1), size, NOTHING_KNOWN, { signal: options.signal });
  const start = Math.max(from, attempt ?? from);
  if (from === 0) return nextMatch(file, failureMatcher(), start, size, NOTHING_KNOWN, options);
  // Narrowed to the end: nothing above `from` is read.
  const first = await firstIn(file, failureMatcher(), start, size, NOTHING_KNOWN, { ...options, progress: () => undefined });
  return first === null ? null : { start: first, wrapped: false };
}

// The first match in [from, to): from the offsets where they tell, else from the disk past what they cover.
async function firstIn(file: FileHandle, matcher: LogMatcher, from: number, to: number, known: KnownMatches, options: FindOptions & { progress: (at: number) => void }): Promise<number | null> {
  const offset = known.offsets[lowerBound(known.offsets, from)];
  if (offset !== undefined && offset < to) return offset;
  const start = Math.max(from, known.scanned);
  if (start >= to) return null;
  for await (const batch of slicedSearch(file, matcher, { from: start, to, signal: options.signal, progress: options.progress })) {
    const first = batch[0];
    if (first) return first.start;
  }
  return null;
}

// The last match in [from, to), read back from `to` in growing windows, each starting at a line start. `progress` is
// told how many bytes were read.
async function lastIn(file: FileHandle, matcher: LogMatcher, from: number, to: number, known: KnownMatches, options: FindOptions & { progress?: (read: number) => void } = {}): Promise<number | null> {
  // Matches below `scanned` are all known: only what lies above it is read.
  const knownLast = (below: number): number | null => {
    const offset = known.offsets[lowerBound(known.offsets, below) - 1];
    return offset !== undefined && offset >= from ? offset : null;
  };
  if (to <= known.scanned) return knownLast(to);
  const floor = Math.max(from, known.scanned);
  let end = to;
  let window = WINDOW;
  while (end > floor && !options.signal?.aborted) {
    const want = end - window;
    // A window starts at a line start: the start of the line holding `want`.
    const start = want <= floor ? floor : Math.max(floor, await lineStartBefore(file, want + 1, 1));
    let last: number | null = null;
    for await (const batch of slicedSearch(file, matcher, { from: start, to: end, signal: options.signal })) last = batch.at(-1)?.start ?? last;
    if (last !== null) return last;
    options.progress?.(to - start);
    end = start;
    window = Math.min(MAX_WINDOW, window * 2);
  }
  return options.signal?.aborted ? null : knownLast(Math.min(to, known.scanned));
}

/** A line of the log: where it starts and ends (its newline), and its first part as a terminal shows it. */
export interface ShownLine {
  start: number;
  end: number;
  spans: Span[];
}

/** How far a read of lines goes at most: a longer stretch without a newline counts as broken there. */
const MAX_READ = 8 * 1024 * 1024;

/** The lines from the line start `from`, one by one, as shown (uncut), up to the file's `size`. */
export async function* linesFrom(file: FileHandle, from: number, size: number): AsyncGenerator<ShownLine> {
  for await (const batch of scanLines(file, from, Math.min(size, from + MAX_READ))) {
    for (const line of batch) {
      const parts = renderedParts(file, line);
      const first = await parts.next();
      await parts.return(undefined);
      yield { start: line.start, end: line.end, spans: first.done ? [] : first.value };
    }
  }
}

/** Up to `count` lines from `from`, whole, as plain text as shown: what `y` and `Y` copy. */
export async function plainLines(file: FileHandle, from: number, count: number, size: number): Promise<string[]> {
  const lines: string[] = [];
  if (count <= 0) return lines;
  for await (const line of linesFrom(file, from, size)) {
    lines.push(plainText(line.spans));
    if (lines.length >= count) break;
  }
  return lines;
}
