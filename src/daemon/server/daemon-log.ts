import { fstatSync, openSync, readSync } from 'node:fs';

// daemon.log is one line per entry, each ending in exactly one newline, so that `tail` and grep read it line by
// line. Its writers do not all keep to that: a message of several lines (a stack), one ending in its own newline
// (run-manager.ts writes `…\n`), or none; and a line cut short — a daemon killed by `kill -9` in the middle of a
// write, a disk that filled up — leaves the file mid-line, so the next daemon's first line was glued to it.

const linesOf = (text: string): string[] => text.split(/\r\n|\n|\r/).filter((line) => line.trim() !== '');

/** `text` as lines, each ending in exactly one newline; blank lines dropped. */
export const asLines = (text: string): string => linesOf(text).map((line) => `${line}\n`).join('');

/** What the daemon's own log() writes: every line of `text` stamped with the time, so a stack's lines are too. */
export function stamped(text: string, at: Date = new Date()): string {
  const time = at.toISOString();
  return linesOf(text).map((line) => `${time} ${line}\n`).join('');
}

/**
 * Routes everything this process writes to stdout and stderr (which the launcher points at `logFile`) through
 * asLines, whoever writes it; and starts a write on a new line when the file does not end in one.
 */
export function keepLogLines(logFile: string): void {
  const reader = openReader(logFile);
  for (const stream of [process.stdout, process.stderr]) {
    const sameFile = reader !== null && isSameFile(stream.fd, reader.fd);
    const write = stream.write.bind(stream) as (chunk: string, callback?: (error?: Error | null) => void) => boolean;
    stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      const text = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8').toString('utf8') : Buffer.from(chunk).toString('utf8');
      let lines = asLines(text);
      if (lines === '') {
        if (done) queueMicrotask(() => done());
        return true;
      }
      if (sameFile && reader !== null && endsMidLine(reader.fd)) lines = `\n${lines}`;
      return write(lines, done);
    }) as typeof stream.write;
  }
}

// A read-only handle on the log (the launcher's handle on it is write-only), to look at its last byte.
function openReader(logFile: string): { fd: number } | null {
  try {
    return { fd: openSync(logFile, 'r') };
  } catch {
    return null; // no log file: a `daemon run` in a terminal
  }
}

function isSameFile(fd: number | undefined, readerFd: number): boolean {
  if (fd === undefined) return false;
  try {
    const out = fstatSync(fd);
    const log = fstatSync(readerFd);
    return out.isFile() && out.dev === log.dev && out.ino === log.ino;
  } catch {
    return false;
  }
}

function endsMidLine(fd: number): boolean {
  try {
    const { size } = fstatSync(fd);
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } catch {
    return false;
  }
}
