import { ANY_ERROR_CODE } from './errors.js';
import { ENTITY_TYPE } from './names.js';

// The lines a stage prints to talk back (SPEC section 4). Anything else on its stdout or stderr is plain log.
export const PROTOCOL_PREFIX = '::pipe:';

export type ProtocolLine =
  | { kind: 'progress'; current: number; total: number; message: string | null }
  | { kind: 'entity'; type: string; path: string; metadata: Record<string, unknown> }
  | { kind: 'cost'; usd: number }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'checkpoint'; data: Record<string, unknown> };

export type ParsedLine = ProtocolLine | { kind: 'malformed'; reason: string } | null;

const NUMBER = /^-?\d+(?:\.\d+)?$/;

// Bounds on the numbers a stage reports. Beyond them a double loses its integers or becomes Infinity, which JSON
// writes as null and metadata.json's schema then refuses: the run would read as corrupt. A line past a bound is
// malformed, so it is warned about in the log and ignored like any other.
/** Progress counts up to the largest integer a double holds exactly: every real count (bytes, rows) fits. */
export const MAX_PROGRESS_NUMBER = Number.MAX_SAFE_INTEGER;
/**
 * One cost line at most a billion dollars: no real call costs that, so a larger figure is a bug in the stage. It
 * also keeps a figure exact to the 6 decimals costs are rounded to (1e9 USD is 1e15 micro-dollars, below 2^53).
 */
export const MAX_COST_USD = 1e9;

// null: not a protocol line. `malformed`: it starts like one but says nothing usable; the caller logs a warning.
export function parseProtocolLine(raw: string): ParsedLine {
  const line = raw.trim();
  if (!line.startsWith(PROTOCOL_PREFIX)) return null;
  const body = line.slice(PROTOCOL_PREFIX.length);
  const space = body.search(/\s/);
  const verb = space < 0 ? body : body.slice(0, space);
  const rest = space < 0 ? '' : body.slice(space + 1).trim();
  switch (verb) {
    case 'progress':
      return parseProgress(rest);
    case 'entity':
      return parseEntity(rest);
    case 'cost': {
      const usd = Number(rest);
      if (!NUMBER.test(rest) || usd < 0) return malformed(`cost needs a non-negative number, got "${clip(rest)}"`);
      if (!(usd <= MAX_COST_USD)) return malformed(`cost is at most ${MAX_COST_USD} USD a line, got "${clip(rest)}"`);
      return { kind: 'cost', usd };
    }
    case 'error': {
      const [code = '', ...words] = rest.split(/\s+/);
      if (!ANY_ERROR_CODE.test(code)) return malformed(`error needs an ERR_* code first, got "${clip(code)}"`);
      return { kind: 'error', code, message: words.join(' ') || code };
    }
    case 'checkpoint': {
      const data = parseObject(rest);
      return data ? { kind: 'checkpoint', data } : malformed('checkpoint needs a JSON object');
    }
    default:
      return malformed(`unknown verb "${clip(verb)}"`);
  }
}

function parseProgress(rest: string): ParsedLine {
  const match = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)(?:\s+(.*))?$/.exec(rest);
  if (!match) return malformed(`progress needs CURRENT/TOTAL, got "${clip(rest)}"`);
  const current = Number(match[1]);
  const total = Number(match[2]);
  // Tested this way round so that NaN, were it ever to get through the pattern, is refused too.
  if (!(current <= MAX_PROGRESS_NUMBER && total <= MAX_PROGRESS_NUMBER)) {
    return malformed(`progress numbers are at most ${MAX_PROGRESS_NUMBER}, got "${clip(`${match[1]}/${match[2]}`)}"`);
  }
  if (total <= 0 || current > total) return malformed(`progress ${current}/${total} is out of range`);
  return { kind: 'progress', current, total, message: match[3]?.trim() || null };
}

function parseEntity(rest: string): ParsedLine {
  const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(rest);
  if (!match) return malformed('entity needs TYPE PATH [JSON]');
  const [, type = '', path = '', json] = match;
  if (!ENTITY_TYPE.test(type)) return malformed(`entity type "${clip(type)}" must be letters, digits, _ and -`);
  const metadata = json === undefined ? {} : parseObject(json);
  if (!metadata) return malformed('entity metadata must be a JSON object');
  return { kind: 'entity', type, path, metadata };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const malformed = (reason: string): ParsedLine => ({ kind: 'malformed', reason });
const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 60)}…` : s);
