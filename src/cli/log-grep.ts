import { open } from 'node:fs/promises';
import { PipeError } from '../shared/errors.js';
import { plainText } from '../shared/terminal-text.js';
import { renderedParts, scanLines } from '../workspace/log-lines.js';
import { lineStartAfter, lineStartBefore } from '../workspace/log-paging.js';
import { type LogMatch, type LogMatcher, logMatcher, searchLog } from '../workspace/log-search.js';

// `logs RUN STAGE --grep PATTERN`: the log's matching lines as shown (after `\r` frames and colours), with -C
// lines of context around each and `--` between groups, as grep prints them; --tail keeps the last N matches.
// Exit 1 when nothing matches, as grep. The search reads the log 4 MB at a time, whatever its size.

export interface GrepOptions {
  regex: boolean;
  context: number;
  /** Only the last this many matches; null: all. */
  tail: number | null;
  /** Matches marked in colour (a terminal without NO_COLOR). */
  color: boolean;
}

/** A non-negative count given on the command line, strictly digits. */
export function countOption(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  if (!/^\d{1,9}$/.test(value)) throw new PipeError('ERR_USAGE', `${flag} takes a number of lines, not ${JSON.stringify(value)}`);
  return Number(value);
}

export async function grepLog(path: string, pattern: string, options: GrepOptions, write: (text: string) => void): Promise<number> {
  const matcher = logMatcher(pattern, options.regex);
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path);
  } catch {
    return 1; // No log yet: nothing matches.
  }
  try {
    const size = (await file.stat()).size;
    let matches: LogMatch[] = [];
    for await (const batch of searchLog(file, matcher, { to: size })) {
      matches.push(...batch);
      if (options.tail !== null && matches.length > options.tail * 2) matches = matches.slice(-options.tail);
    }
    if (options.tail !== null) matches = matches.slice(-options.tail);
    if (matches.length === 0) return 1;
    // Where the lines printed so far end (the start of the line after them): context shared by two matches is
    // printed once, and `--` parts groups that do not touch.
    let next = -1;
    for (const match of matches) {
      const from = options.context > 0 ? await lineStartBefore(file, match.start, options.context) : match.start;
      const to = options.context > 0 ? await contextEnd(file, match.end, options.context, size) : match.end;
      if (options.context > 0 && next >= 0 && from > next) write('--\n');
      for await (const batch of scanLines(file, Math.max(from, next), to)) {
        for (const line of batch) {
          const parts = renderedParts(file, line);
          const first = await parts.next();
          await parts.return(undefined);
          const text = first.done ? '' : plainText(first.value);
          write(`${line.start === match.start && options.color ? marked(text, matcher) : text}\n`);
        }
      }
      next = Math.max(next, to + 1);
    }
    return 0;
  } finally {
    await file.close();
  }
}

// The end of the `count` lines after the line ending at `end` (its newline excluded).
async function contextEnd(file: Awaited<ReturnType<typeof open>>, end: number, count: number, size: number): Promise<number> {
  if (end + 1 >= size) return end;
  const lastStart = count > 1 ? await lineStartAfter(file, end + 1, count - 1, size) : end + 1;
  const buffer = Buffer.alloc(64 * 1024);
  // The newline that ends that last line, or the file's end.
  for (let at = lastStart; at < size; at += buffer.length) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, size - at), at);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (newline !== -1) return at + newline;
  }
  return size;
}

// The matches of a line in bold red, as grep --color marks them.
function marked(text: string, matcher: LogMatcher): string {
  let out = '';
  let at = 0;
  for (const [from, to] of matcher.ranges(text)) {
    out += `${text.slice(at, from)}\x1b[1;31m${text.slice(from, to)}\x1b[0m`;
    at = to;
  }
  return out + text.slice(at);
}
