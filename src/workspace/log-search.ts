import type { FileHandle } from 'node:fs/promises';
import { PipeError } from '../shared/errors.js';
import { plainText } from '../shared/terminal-text.js';
import { type LogLine, renderedParts } from './log-lines.js';

// Searching a stage log on the text as a terminal shows it (after `\r` frames and colours), at about the disk's
// speed: each 4 MB is first tried whole with the pattern (one native regex pass over its bytes), and only the
// lines where it may match are played and tried for real. Memory stays a chunk, whatever the log's size. A needle
// cut in two by a colour code in the raw bytes is not found (the first pass reads the bytes as written).

const CHUNK = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

export interface LogMatcher {
  /** Whether a line, as shown, matches. */
  test(text: string): boolean;
  /** Where it matches in a line as shown, for highlighting. */
  ranges(text: string): [number, number][];
  /** The first pass over raw bytes read as latin1 (null: every line is a candidate, a pattern beyond ASCII). */
  readonly quick: RegExp | null;
  /** Whether the first pass steps over colour codes itself (plain text); else a chunk's escapes are removed first. */
  readonly throughColours: boolean;
}

/**
 * A pattern as the user typed it: plain text, or a regular expression with `regex`; smart case (no capital
 * letter in it: case does not matter). ERR_USAGE for a regular expression that does not compile.
 */
export function logMatcher(pattern: string, regex = false): LogMatcher {
  const caseless = !/\p{Lu}/u.test(pattern);
  const source = regex ? pattern : pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let exact: RegExp;
  try {
    exact = new RegExp(source, `${caseless ? 'i' : ''}gu`);
  } catch (error) {
    throw new PipeError('ERR_USAGE', `not a regular expression: ${(error as Error).message}`);
  }
  // Plain text is tried on the raw bytes with colour codes allowed between its characters: no copy of the chunk.
  const through = regex ? null : [...pattern].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(SGR_BETWEEN);
  return { quick: quickPass(through ?? source, pattern, regex, caseless), throughColours: !regex, ...exactTests(exact) };
}

// Read as latin1, a byte is a character: right for an ASCII pattern, which is most of them, unless it uses what
// only a Unicode regular expression means (`\p{L}`, `\u{…}`): then every line is a candidate.
function quickPass(source: string, pattern: string, regex: boolean, caseless: boolean): RegExp | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test is for ASCII only
  if (!/^[\x00-\x7f]*$/.test(pattern) || (regex && /\\[pPu]/.test(pattern))) return null;
  try {
    // `m` only where it can matter: it costs a plain needle's pass a good part of its speed.
    return new RegExp(source, `${caseless ? 'i' : ''}g${regex ? 'm' : ''}`);
  } catch {
    return null;
  }
}

function exactTests(exact: RegExp): Pick<LogMatcher, 'test' | 'ranges'> {
  return {
    test: (text) => {
      exact.lastIndex = 0;
      return exact.test(text);
    },
    ranges: (text) => {
      const found: [number, number][] = [];
      for (const m of text.matchAll(exact)) {
        if (m[0].length === 0) continue;
        found.push([m.index, m.index + m[0].length]);
      }
      return found;
    },
  };
}

export interface LogMatch {
  /** The line's bytes [start, end) in the file. */
  start: number;
  end: number;
  /** The line as shown. */
  text: string;
}

export interface SearchOptions {
  from?: number;
  to?: number;
  /** Told how far the search has read, after each chunk. */
  progress?: (offset: number) => void;
  /** Stops the search between chunks. */
  signal?: AbortSignal;
}

/** Every matching line in [from, to), in order, a batch per chunk read. */
export async function* searchLog(file: FileHandle, matcher: LogMatcher, options: SearchOptions = {}): AsyncGenerator<LogMatch[]> {
  const to = options.to ?? (await file.stat()).size;
  const buffer = Buffer.alloc(CHUNK);
  let position = options.from ?? 0;
  while (position < to && !options.signal?.aborted) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, to - position), position);
    if (bytesRead === 0) break;
    // Whole lines only: the bytes after the chunk's last newline are read again with the next chunk, unless the
    // range ends there or the line is longer than a chunk (then it is a line of its own).
    const lastNewline = buffer.lastIndexOf(NEWLINE, bytesRead - 1);
    const whole = position + bytesRead >= to ? bytesRead : lastNewline >= 0 ? lastNewline + 1 : bytesRead;
    const batch = await matchesIn(file, buffer.subarray(0, whole), position, matcher);
    if (batch.length > 0) yield batch;
    position += whole;
    options.progress?.(position);
  }
}

async function matchesIn(file: FileHandle, chunk: Buffer, at: number, matcher: LogMatcher): Promise<LogMatch[]> {
  const found: LogMatch[] = [];
  const lineOf = (i: number): LogLine => {
    // (lastIndexOf counts a negative offset from the end: the first line starts at 0.)
    const start = i === 0 ? 0 : chunk.lastIndexOf(NEWLINE, i - 1) + 1;
    const newline = chunk.indexOf(NEWLINE, i);
    const end = newline === -1 ? chunk.length : newline;
    return { start: at + start, end: at + end, ended: newline !== -1, bytes: chunk.subarray(start, end) };
  };
  const tryLine = async (line: LogLine): Promise<void> => {
    // A line longer than a chunk is read as the log pane shows it: its last frames.
    const short = line.end - line.start <= CHUNK;
    const parts = renderedParts(file, short ? line : { ...line, bytes: null });
    const first = await parts.next();
    await parts.return(undefined);
    const text = first.done ? '' : plainText(first.value);
    if (matcher.test(text)) found.push({ start: line.start, end: line.end, text });
  };
  if (!matcher.quick) {
    for (let i = 0; i < chunk.length; ) {
      const line = lineOf(i);
      await tryLine(line);
      i = line.end - at + 1;
    }
    return found;
  }
  // A chunk with escapes is tried without them (a colour change inside a phrase must not hide it); its lines are
  // the raw chunk's lines, one for one, since an escape never holds a newline here.
  const raw = chunk.toString('latin1');
  const text = !matcher.throughColours && chunk.includes(ESC) ? withoutEscapes(raw) : raw;
  const quick = matcher.quick;
  // Most chunks hold no match at all: a test without the g flag says so fastest.
  if (!anywhere(quick).test(text)) return found;
  quick.lastIndex = 0;
  // Where the current line starts in `text`, and where the same line starts in the raw chunk.
  let lineAt = 0;
  let rawAt = 0;
  for (let m = quick.exec(text); m !== null; m = quick.exec(text)) {
    for (let nl = text.indexOf('\n', lineAt); nl !== -1 && nl < m.index; nl = text.indexOf('\n', lineAt)) {
      lineAt = nl + 1;
      rawAt = chunk.indexOf(NEWLINE, rawAt) + 1;
    }
    const line = lineOf(rawAt);
    await tryLine(line);
    // On to the next line: a line is tried once, however many times it may match.
    const next = text.indexOf('\n', m.index);
    if (next === -1) break;
    quick.lastIndex = next + 1;
  }
  return found;
}

const ESC = 0x1b;
const tests = new WeakMap<RegExp, RegExp>();
const anywhere = (quick: RegExp): RegExp => {
  let test = tests.get(quick);
  if (!test) tests.set(quick, (test = new RegExp(quick.source, quick.flags.replace('g', ''))));
  return test;
};
const SGR_BETWEEN = '(?:\\x1b\\[[0-9;]*m)*';
// Colours are nearly every escape of a log: removed first by the simplest pattern, the rest only if any is left.
const SGR = /\x1b\[[0-9;]*m/g;
const withoutEscapes = (text: string): string => {
  const plain = text.replace(SGR, '');
  return plain.includes('\x1b') ? plain.replace(ESCAPES, '') : plain;
};
// CSI (colours, cursor moves), OSC (titles, links) and two-byte escapes: never a newline inside.
// biome-ignore lint/suspicious/noControlCharactersInRegex: escapes are what it removes
const ESCAPES = /\x1b(?:\[[0-?]*[ -\/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

/**
 * Lines that look like a failure (what the TUI's `E` jumps to): an error code, a Python traceback or exception, a
 * Go panic, a test runner's FAILED, the kernel's Killed. pipe-tui's own `=====` lines are never taken: the error panel
 * already says what they say, and the stage's own words are what one looks for. Written with capitals, so smart case
 * keeps it case-sensitive.
 */
export const FAILURE_PATTERN = '(?<!^===== pipe-tui: .*)(?:ERR_|Error|Exception|Traceback|FAILED|panic:|Killed)';

export const failureMatcher = (): LogMatcher => logMatcher(FAILURE_PATTERN, true);
