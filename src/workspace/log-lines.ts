import type { FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { type Span, renderLine, renderLineTail } from '../shared/terminal-text.js';

// The lines of a stage log as a terminal shows them, read by byte offsets with memory bounded by LINE_BYTES whatever
// a line's length: a progress bar printing `\r` frames for an hour is one "line" of many megabytes, and only its
// end decides what shows. The file keeps the bytes as written; this only reads them.

const CHUNK = 64 * 1024;
/** A line up to this long is played whole; of a longer one, only its end (its last frames) or its start is read. */
export const LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const RETURN = '\r';

/** One line of a log: its bytes [start, end), then a `\n` at `end` if `ended`. */
export interface LogLine {
  start: number;
  end: number;
  ended: boolean;
  /** Its bytes when the scan kept them (a line no longer than LINE_BYTES, scanned from its start). */
  bytes: Buffer | null;
}

/**
 * The lines of the bytes [from, to), a batch per chunk read: every one ended by a `\n`, then what is left after the
 * last `\n` (not ended: the line a running stage is still writing, or a line longer than the range), if the range
 * holds any of it. The first line starts at `lineStart` (default `from`): a scan may resume inside a line it has
 * already looked at. A line's `bytes` may share the read buffer: they hold until the next batch is asked for.
 */
export async function* scanLines(file: FileHandle, from: number, to: number, lineStart = from): AsyncGenerator<LogLine[]> {
  const buffer = Buffer.alloc(CHUNK);
  let start = lineStart;
  let kept: Buffer[] | null = from === lineStart ? [] : null;
  let keptBytes = 0;
  let position = from;
  while (position < to) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, to - position), position);
    if (bytesRead === 0) break;
    const batch: LogLine[] = [];
    let piece = 0;
    for (let newline = buffer.indexOf(NEWLINE, 0); newline !== -1 && newline < bytesRead; newline = buffer.indexOf(NEWLINE, piece)) {
      const end = position + newline;
      const here = buffer.subarray(piece, newline);
      const bytes = !kept || end - start > LINE_BYTES ? null : kept.length === 0 ? here : Buffer.concat([...kept, here]);
      batch.push({ start, end, ended: true, bytes });
      start = end + 1;
      piece = newline + 1;
      kept = [];
      keptBytes = 0;
    }
    if (kept && keptBytes + bytesRead - piece <= LINE_BYTES) {
      kept.push(Buffer.from(buffer.subarray(piece, bytesRead)));
      keptBytes += bytesRead - piece;
    } else kept = null;
    position += bytesRead;
    if (batch.length > 0) yield batch;
  }
  if (position > start && position > from) yield [{ start, end: position, ended: false, bytes: kept && Buffer.concat(kept) }];
}

/** A kept line played: printable ASCII, most of any log, is its own rendering and skips the terminal model. */
export function renderBytes(bytes: Buffer): Span[] {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x20 || byte > 0x7e) return renderLine(bytes.toString('utf8'));
  }
  return bytes.length === 0 ? [] : [{ text: bytes.toString('latin1'), style: null }];
}

/**
 * A line as a terminal leaves it, in parts to show one after the other: one part, unless the line is too long to
 * play whole and has no `\r` frame in its end (text printed without a break, a megabyte of JSON), which is played
 * piece by piece. A caller that shows one row takes the first part only.
 */
export async function* renderedParts(file: FileHandle, line: LogLine): AsyncGenerator<Span[]> {
  if (line.end - line.start <= LINE_BYTES) {
    yield renderBytes(line.bytes ?? (await readBytes(file, line.start, line.end)));
    return;
  }
  const frames = lastFrames((await readBytes(file, line.end - LINE_BYTES, line.end)).toString('utf8'));
  if (frames !== null) {
    yield renderLineTail(frames);
    return;
  }
  const decoder = new StringDecoder('utf8');
  for (let at = line.start; at < line.end; at += LINE_BYTES) {
    const bytes = await readBytes(file, at, Math.min(line.end, at + LINE_BYTES));
    yield renderLine(decoder.write(bytes));
  }
}

/**
 * The end of a line read from inside it, from its first `\r` on, so what is played starts at a frame (and a
 * character cut by the read is dropped with the partial frame before it); null when there is no such `\r`.
 */
export function lastFrames(end: string): string | null {
  let last = end.length;
  while (last > 0 && end[last - 1] === RETURN) last--;
  const first = end.indexOf(RETURN);
  return first !== -1 && first < last ? end.slice(first) : null;
}

async function readBytes(file: FileHandle, from: number, to: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  const { bytesRead } = await file.read(buffer, 0, buffer.length, from);
  return buffer.subarray(0, bytesRead);
}
