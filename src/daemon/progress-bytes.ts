import type { ProtocolLine } from '../shared/stage-protocol.js';

const PREFIX = Buffer.from('::pipe:progress ');
const SLASH = 0x2f;
const SPACE = 0x20;
const CR = 0x0d;
const NL = 0x0a;

// The hot path of a progress flood: `::pipe:progress 12/300 message` read straight from the bytes, with no
// string made but the message. Anything unusual (decimals, odd spacing, out of range) returns null and goes
// through the full parser, which also words the warning for a malformed line.
export function readProgress(buffer: Buffer, start: number, end: number): Extract<ProtocolLine, { kind: 'progress' }> | null {
  if (end - start <= PREFIX.length || buffer.compare(PREFIX, 0, PREFIX.length, start, start + PREFIX.length) !== 0) return null;
  let i = start + PREFIX.length;
  const current = readInt(buffer, i, end);
  if (!current) return null;
  i = current.next;
  if (buffer[i] !== SLASH) return null;
  const total = readInt(buffer, i + 1, end);
  if (!total) return null;
  i = total.next;
  let stop = end;
  while (stop > i && (buffer[stop - 1] === NL || buffer[stop - 1] === CR)) stop--;
  if (i < stop && buffer[i] !== SPACE) return null;
  if (total.value <= 0 || current.value > total.value) return null;
  const message = i < stop ? buffer.toString('utf8', i + 1, stop).trim() : '';
  return { kind: 'progress', current: current.value, total: total.value, message: message || null };
}

function readInt(buffer: Buffer, start: number, end: number): { value: number; next: number } | null {
  let value = 0;
  let i = start;
  while (i < end && i - start < 15) {
    const digit = (buffer[i] as number) - 0x30;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    i++;
  }
  return i === start ? null : { value, next: i };
}
