import { MAX_PROGRESS_NUMBER, type ProtocolLine } from '../../shared/stage-protocol.js';

const PREFIX = Buffer.from('::pipe:progress ');
const SLASH = 0x2f;
const SPACE = 0x20;
const CR = 0x0d;
const NL = 0x0a;
/**
 * Digits of a number the fast path reads. 15 nines are below MAX_PROGRESS_NUMBER, so nothing it accepts can be out
 * of bounds (nor inexact), with no check per line; a longer number goes to the full parser, which applies the bound.
 */
const MAX_DIGITS = 15;
if (10 ** MAX_DIGITS - 1 > MAX_PROGRESS_NUMBER) throw new Error('progress-bytes: MAX_DIGITS reads numbers past the bound');

// The hot path of a progress flood: `::pipe:progress 12/300 message` read straight from the bytes, with no
// string made but the message. Anything unusual (decimals, odd spacing, out of range) returns null and goes
// through the full parser, which also words the warning for a malformed line.
export function readProgress(buffer: Buffer, start: number, end: number): Extract<ProtocolLine, { kind: 'progress' }> | null {
  if (!isProgressLine(buffer, start, end)) return null;
  const message = read.messageStart < read.messageEnd ? buffer.toString('utf8', read.messageStart, read.messageEnd).trim() : '';
  return { kind: 'progress', current: read.current, total: read.total, message: message || null };
}

// What isProgressLine read last: a flood checks every line but builds an object for the last one only.
const read = { current: 0, total: 0, messageStart: 0, messageEnd: 0 };

/** Whether the bytes are a well-formed progress line on the fast path, without allocating anything. */
export function isProgressLine(buffer: Buffer, start: number, end: number): boolean {
  if (end - start <= PREFIX.length) return false;
  // Byte by byte in JS: cheaper than a native compare call on a line this short, which is every line of a flood.
  for (let k = 0; k < PREFIX.length; k++) if (buffer[start + k] !== PREFIX[k]) return false;
  let i = readInt(buffer, start + PREFIX.length, end);
  if (i < 0 || buffer[i] !== SLASH) return false;
  const current = lastInt;
  i = readInt(buffer, i + 1, end);
  if (i < 0) return false;
  const total = lastInt;
  let stop = end;
  while (stop > i && (buffer[stop - 1] === NL || buffer[stop - 1] === CR)) stop--;
  if (i < stop && buffer[i] !== SPACE) return false;
  if (total <= 0 || current > total) return false;
  read.current = current;
  read.total = total;
  read.messageStart = i + 1;
  read.messageEnd = stop;
  return true;
}

// The value read last; readInt returns where it stopped (-1: no digit), so the hot path allocates nothing.
let lastInt = 0;

function readInt(buffer: Buffer, start: number, end: number): number {
  let value = 0;
  let i = start;
  while (i < end && i - start < MAX_DIGITS) {
    const digit = (buffer[i] as number) - 0x30;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    i++;
  }
  lastInt = value;
  return i === start ? -1 : i;
}
