import type { FileHandle } from 'node:fs/promises';

// A log file paged from disk by byte offsets of line starts: every move reads only the bytes it crosses, so a
// 1 GB log costs a window of memory and a page of I/O wherever the view is.

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
  return last;
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

/** Up to `count` lines from `top`, each cut to `width` characters (ending in `ellipsis`), control characters made visible. */
export async function readPage(file: FileHandle, top: number, count: number, width: number, size: number, ellipsis = '…'): Promise<string[]> {
  const lines: string[] = [];
  // A line's bytes are kept up to a bound that covers `width` characters of any UTF-8; the rest is skipped.
  const keep = Math.max(4, width * 4);
  let current: Buffer[] = [];
  let kept = 0;
  let cut = false;
  const finish = (): void => {
    lines.push(display(Buffer.concat(current).toString('utf8'), width, cut, ellipsis));
    current = [];
    kept = 0;
    cut = false;
  };
  let position = top;
  const buffer = Buffer.alloc(CHUNK);
  while (position < size && lines.length < count && position - top < MAX_SCAN) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, size - position), position);
    if (bytesRead === 0) break;
    let from = 0;
    for (let i = 0; i <= bytesRead && lines.length < count; i++) {
      const end = i === bytesRead;
      if (!end && buffer[i] !== NEWLINE) continue;
      const piece = buffer.subarray(from, Math.min(i, from + Math.max(0, keep - kept)));
      if (piece.length > 0) current.push(Buffer.from(piece));
      kept += piece.length;
      if (i - from > piece.length) cut = true;
      if (!end) finish();
      from = i + 1;
    }
    position += bytesRead;
  }
  if (lines.length < count && (kept > 0 || cut)) finish();
  return lines;
}

function display(text: string, width: number, cut: boolean, ellipsis: string): string {
  const clean = text.replace(/\r/g, '').replace(/\t/g, '  ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
  return clean.length > width || cut ? `${clean.slice(0, Math.max(0, width - ellipsis.length))}${ellipsis}` : clean;
}
