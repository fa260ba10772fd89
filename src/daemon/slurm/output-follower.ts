import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';

const CHUNK = 256 * 1024;
const FOLLOW_MS = 250;

// Follows a file another machine writes (a Slurm job's output on a shared filesystem) from a byte offset, and keeps
// that offset in `<file>.offset` so a later daemon resumes exactly where this one stopped reading.
export class OutputFollower {
  private offset: number;
  private written = -1;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly file: string,
    private readonly onChunk: (chunk: Buffer) => void,
  ) {
    this.offset = readOffset(`${file}.offset`);
  }

  start(): void {
    this.timer ??= setInterval(() => this.read(), FOLLOW_MS);
  }

  /** Reads what is left, to the end of the file, and stops following. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.read();
  }

  private read(): void {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return; // not created yet: the job is still pending
    }
    try {
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const n = readSync(fd, buffer, 0, CHUNK, this.offset);
        if (n <= 0) break;
        this.onChunk(Buffer.from(buffer.subarray(0, n)));
        this.offset += n;
      }
    } finally {
      closeSync(fd);
    }
    if (this.offset === this.written) return;
    try {
      writeFileSync(`${this.file}.offset`, String(this.offset));
      this.written = this.offset;
    } catch {
      // A full disk: a later daemon may read some lines twice, nothing is lost.
    }
  }
}

function readOffset(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}
