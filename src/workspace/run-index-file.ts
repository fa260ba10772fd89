import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

// How the runs index (`.pipe-tui/runs.ndjson`) is read as bytes and lines, for all that read it: RunIndex and the
// daemon's scan, the listings of `ls`, the TUI. What its lines mean is theirs (src/workspace/run-index.ts); what
// is here is where a line begins and ends. A line is appended whole, but a reader can meet one half-written (or
// torn by a crash): bytes after the file's last newline are never a line here. They are left where they are, and
// the next read of what was appended takes them once their newline is there.

/** The file's bytes from `offset` on, and its inode (a new one is a new file); null when it cannot be opened. */
export function readIndexBytes(file: string, offset = 0): { bytes: Buffer; inode: number } | null {
  return withFile(file, null, (fd) => {
    const stat = fstatSync(fd);
    return { bytes: readAt(fd, offset, Math.max(0, stat.size - offset)), inode: stat.ino };
  });
}

/** The whole lines from `offset` on (empty ones left out), and the bytes they take; null when there is no file. */
export function readAppendedLines(file: string, offset: number): { lines: string[]; consumed: number; inode: number } | null {
  const read = readIndexBytes(file, offset);
  if (!read) return null;
  const end = read.bytes.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], consumed: 0, inode: read.inode };
  const lines = read.bytes.subarray(0, end).toString('utf8').split('\n').filter((line) => line.length > 0);
  return { lines, consumed: end + 1, inode: read.inode };
}

/** What a read from the end tells of the file as it was read. */
export interface BackwardsRead {
  exists: boolean;
  /** Bytes up to the last whole line (0: none): where lines appended after it begin. */
  offset: number;
  inode: number;
}

/** Where a read from the end stands between two chunks. */
export interface Backwards {
  /** The first line of the chunks read so far, short of its start: the chunk before completes it. */
  carry: Buffer;
  /** Bytes up to the file's last whole line; -1 until a newline has been met. */
  offset: number;
}

export const BACKWARDS_START: Backwards = { carry: Buffer.alloc(0), offset: -1 };

/**
 * The whole lines that `chunk` (the file's bytes from `start`, read just before the chunks already read) makes
 * with what they left, last first and empty ones left out; and where the read then stands.
 */
export function linesOfChunk(chunk: Buffer, start: number, at: Backwards): { lines: string[]; at: Backwards } {
  let text = at.carry.length > 0 ? Buffer.concat([chunk, at.carry]) : chunk;
  let offset = at.offset;
  if (offset < 0) {
    // Not a line yet (being written, or torn): left for the next read of what was appended.
    const last = text.lastIndexOf(0x0a);
    if (last < 0) return { lines: [], at };
    offset = start + last + 1;
    text = text.subarray(0, last + 1);
  }
  // The first line may begin in the chunk before (a line can be longer than a chunk): it is carried back there.
  // At the file's start it is whole.
  const cut = start === 0 ? -1 : text.indexOf(0x0a);
  if (start > 0 && cut < 0) return { lines: [], at: { carry: Buffer.from(text), offset } };
  const carry = cut < 0 ? BACKWARDS_START.carry : Buffer.from(text.subarray(0, cut));
  const parts = text.subarray(cut + 1).toString('utf8').split('\n');
  const lines: string[] = [];
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i]) lines.push(parts[i] as string);
  return { lines, at: { carry, offset } };
}

/** Bytes read from the end at a time, where the caller does not say. */
const CHUNK = 256 * 1024;

const NO_FILE: BackwardsRead = { exists: false, offset: 0, inode: 0 };

/**
 * Hands the file's whole lines to `each`, last first, a chunk at a time while `more()`. The newest lines lie at
 * the end: a reader that wants the last line of each of a few runs reads a chunk or two of a file of any size.
 */
export function readLinesBackwards(file: string, each: (line: string) => void, more: () => boolean, chunkBytes = CHUNK): BackwardsRead {
  return withFile(file, NO_FILE, (fd) => {
    const { size, ino } = fstatSync(fd);
    let at = BACKWARDS_START;
    for (let end = size; end > 0 && more(); end = Math.max(0, end - chunkBytes)) {
      const start = Math.max(0, end - chunkBytes);
      at = handOut(readAt(fd, start, end - start), start, at, each);
    }
    return { exists: true, offset: Math.max(0, at.offset), inode: ino };
  });
}

/** readLinesBackwards, its reads awaited: the event loop is served between two chunks. */
export async function readLinesBackwardsAsync(file: string, each: (line: string) => void, more: () => boolean, chunkBytes: number): Promise<BackwardsRead> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return NO_FILE;
  }
  try {
    const { size, ino } = await handle.stat();
    let at = BACKWARDS_START;
    for (let end = size; end > 0 && more(); end = Math.max(0, end - chunkBytes)) {
      const start = Math.max(0, end - chunkBytes);
      const chunk = Buffer.allocUnsafe(end - start);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, start);
      at = handOut(chunk.subarray(0, bytesRead), start, at, each);
    }
    return { exists: true, offset: Math.max(0, at.offset), inode: ino };
  } finally {
    await handle.close();
  }
}

function handOut(chunk: Buffer, start: number, at: Backwards, each: (line: string) => void): Backwards {
  const next = linesOfChunk(chunk, start, at);
  for (const line of next.lines) each(line);
  return next.at;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

/** What `use` makes of the open file, or `none` when it cannot be opened. */
function withFile<T>(file: string, none: T, use: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return none;
  }
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}
