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
      if (!NUMBER.test(rest) || Number(rest) < 0) return malformed(`cost needs a non-negative number, got "${clip(rest)}"`);
      return { kind: 'cost', usd: Number(rest) };
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
