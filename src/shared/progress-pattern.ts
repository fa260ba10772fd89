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

/** Why the pattern cannot be used, or null when it can. */
export function patternProblem(pattern: string): string | null {
  const regex = compile(pattern);
  if (typeof regex === 'string') return regex;
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
    const groups = regex.exec(text)?.groups;
    if (!groups) return null;
    const message = groups.message?.trim() ?? null;
    if (groups.percent !== undefined) {
      const percent = numberIn(groups.percent);
      return percent === null || percent > 100 ? null : progressOf(percent, 100, message);
    }
    return progressOf(numberIn(groups.current), numberIn(groups.total), message);
  };
}
