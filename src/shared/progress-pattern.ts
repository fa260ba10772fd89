import type { ParsedProgress } from './progress-parse.js';
import { progressOf } from './progress-units.js';

// `progress: { pattern: '…' }`, for programs auto does not know: a JavaScript regular expression whose named
// groups say where the numbers are.

const GROUPS = ['current', 'total', 'percent', 'message'];

function compile(pattern: string): RegExp | string {
  try {
    return new RegExp(pattern);
  } catch (error) {
    return `progress pattern is not a valid regular expression: ${(error as Error).message}`;
  }
}

function groupNames(regex: RegExp): string[] {
  // An empty alternative lets the pattern match '' whatever it is, and a match lists every named group.
  return Object.keys(new RegExp(`${regex.source}|`).exec('')?.groups ?? {});
}

/** Of a frame, the characters a user's pattern is tried on: a progress line is short, and a long one costs. */
const PATTERN_CHARS = 2048;

/**
 * Whether a repeated group itself holds a repeat, as in `(\w+\s?)*`: such a pattern can take exponential time on a
 * line it almost matches, and it runs on the daemon's one thread for every frame a stage prints.
 */
function nestedRepeat(source: string): boolean {
  const open: { repeats: boolean }[] = [];
  let inClass = false;
  let last: { repeats: boolean } | null = null;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      last = null;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    const repeat = c === '*' || c === '+' || (c === '{' && /^\{\d*,/.test(source.slice(i)));
    if (repeat) {
      if (last?.repeats) return true;
      for (const group of open) group.repeats = true;
      last = null;
      continue;
    }
    if (c === '[') inClass = true;
    if (c === '(') open.push({ repeats: false });
    last = c === ')' ? (open.pop() ?? null) : null;
  }
  return false;
}

/** Why the pattern cannot be used, or null when it can. */
export function patternProblem(pattern: string): string | null {
  const regex = compile(pattern);
  if (typeof regex === 'string') return regex;
  if (nestedRepeat(pattern)) return 'progress pattern repeats a group that itself repeats, as (\\w+\\s?)* does: such a pattern can take minutes on one line; write it without the nesting';
  const names = groupNames(regex);
  const unknown = names.find((name) => !GROUPS.includes(name));
  if (unknown) return `progress pattern has a named group "${unknown}": use current and total, or percent, and message`;
  const counts = names.includes('current') && names.includes('total');
  const percent = names.includes('percent');
  if (counts && percent) return 'progress pattern has current, total and percent: use current and total, or percent';
  if (!counts && !percent) {
    return 'progress pattern needs named groups current and total, as in (?<current>\\d+)/(?<total>\\d+), or percent, as in (?<percent>\\d+)%';
  }
  return null;
}

function numberIn(text: string | undefined): number | null {
  const trimmed = text?.replace(/,/g, '').trim();
  return trimmed ? Number(trimmed) : null;
}

/** Null for a pattern that patternProblem refuses: the schema has told the user, and nothing is parsed. */
export function createPatternParser(pattern: string): ((text: string) => ParsedProgress | null) | null {
  const regex = compile(pattern);
  if (typeof regex === 'string' || patternProblem(pattern) !== null) return null;
  return (text) => {
    const groups = regex.exec(text.length > PATTERN_CHARS ? text.slice(0, PATTERN_CHARS) : text)?.groups;
    if (!groups) return null;
    const message = groups.message?.trim() ?? null;
    if (groups.percent !== undefined) {
      const percent = numberIn(groups.percent);
      return percent === null || percent > 100 ? null : progressOf(percent, 100, message);
    }
    return progressOf(numberIn(groups.current), numberIn(groups.total), message);
  };
}
