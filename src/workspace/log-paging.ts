import type { FileHandle } from 'node:fs/promises';
import { fitSpans } from '../shared/fit-spans.js';
import type { Span } from '../shared/terminal-text.js';
import { renderedParts, scanLines } from './log-lines.js';

// A log file paged from disk by byte offsets of line starts: every move reads only the bytes it crosses, so a
// 1 GB log costs a window of memory and a page of I/O wherever the view is, even when one "line" is megabytes of
// `\r` frames (only its end is played: src/workspace/log-lines.ts).

const CHUNK = 64 * 1024;
/** How far one move scans for line breaks; a longer line counts as broken there. */
const MAX_SCAN = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/** The start of the line `count` lines above the line starting at `offset` (0 at the top of the file). */
export async function lineStartBefore(file: FileHandle, offset: number, count: number): Promise<number> {
  // The byte before `offset` ends the line above; the search starts below it.
  let position = offset - 1;
  let found = 0;
  const buffer = Buffer.alloc(CHUNK);
  while (position > 0 && offset - position < MAX_SCAN) {
    const start = Math.max(0, position - CHUNK);
    const { bytesRead } = await file.read(buffer, 0, position - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buffer[i] === NEWLINE && ++found === count) return start + i + 1;
    }
    position = start;
  }
  return Math.max(0, position);
}

/** The start of the line `count` lines below the line starting at `offset`, never past the last line's start. */
export async function lineStartAfter(file: FileHandle, offset: number, count: number, size: number): Promise<number> {
  let position = offset;
  let found = 0;
  let last = offset;
  const buffer = Buffer.alloc(CHUNK);
  while (position < size && position - offset < MAX_SCAN) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, size - position), position);
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) {
      if (buffer[i] !== NEWLINE || position + i + 1 >= size) continue;
      last = position + i + 1;
      if (++found === count) return last;
    }
    position += bytesRead;
  }
  // A line longer than a scan counts as broken where the scan ended, so paging down through it moves on.
  return position < size && position - offset >= MAX_SCAN ? position : last;
}

/** The top of the last page of `count` lines: where a following view starts. */
export async function lastPageTop(file: FileHandle, size: number, count: number): Promise<number> {
  if (size === 0) return 0;
  const tail = Buffer.alloc(1);
  await file.read(tail, 0, 1, size - 1);
  // A last line without its newline is still a line: counted as if the newline were there.
  const end = tail[0] === NEWLINE ? size : size + 1;
  return lineStartBefore(file, end, count);
}

/**
 * Up to `count` lines from `top` as a terminal shows them (the last `\r` frame, colours as styles, no other
 * escape), each cut to `width` cells ending in `ellipsis`. The unfinished last line is shown as it stands.
 */
export async function readPage(file: FileHandle, top: number, count: number, width: number, size: number, ellipsis = '…'): Promise<Span[][]> {
  const lines: Span[][] = [];
  if (count <= 0) return lines;
  for await (const batch of scanLines(file, top, Math.min(size, top + MAX_SCAN))) {
    for (const line of batch) {
      const { value } = await renderedParts(file, line).next();
      lines.push(fitSpans(value ?? [], width, ellipsis));
      if (lines.length === count) return lines;
    }
  }
  return lines;
}
