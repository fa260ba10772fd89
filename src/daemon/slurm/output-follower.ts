import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { PRIVATE_FILE_MODE } from '../../workspace/layout.js';

const CHUNK = 256 * 1024;
const ERROR_PREFIX = '::pipe:error ';
const FOLLOW_MS = 250;

// Follows a file another machine writes (a Slurm job's output on a shared filesystem) from a byte offset, and keeps
// that offset in `<file>.offset` so a later daemon resumes where this one stopped. The offset moves past a chunk
// only once its effects are recorded (the promise `onChunk` returns: entity copies), so a daemon killed at any
// moment neither loses a line's effect nor, but for that instant, records it twice.
export class OutputFollower {
  private offset: number;
  private written = -1;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly onChunk: (chunk: Buffer) => void | Promise<void>,
  ) {
    this.offset = readOffset(`${file}.offset`);
  }

  /**
   * The `::pipe:error` lines before the saved offset: what a stage reported is held in memory until it ends, so a
   * daemon taking the job up again reads those lines once more (they have no other effect).
   */
  errorLinesBefore(): Buffer {
    const found: string[] = [];
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return Buffer.alloc(0);
    }
    try {
      const buffer = Buffer.alloc(CHUNK);
      let position = 0;
      let carry = '';
      while (position < this.offset) {
        const n = readSync(fd, buffer, 0, Math.min(CHUNK, this.offset - position), position);
        if (n <= 0) break;
        position += n;
        const lines = (carry + buffer.toString('utf8', 0, n)).split('\n');
        carry = (lines.pop() ?? '').slice(-CHUNK);
        for (const line of lines) if (line.trimStart().startsWith(ERROR_PREFIX)) found.push(line);
      }
    } finally {
      closeSync(fd);
    }
    return Buffer.from(found.map((l) => `${l}\n`).join(''));
  }

  start(): void {
    this.timer ??= setInterval(() => void this.read(), FOLLOW_MS);
  }

  /** Reads what is left, to the end of the file, and stops following. */
  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.reading;
    await this.read();
  }

  private read(): Promise<void> {
    this.reading ??= this.readAll().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async readAll(): Promise<void> {
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
        await this.onChunk(Buffer.from(buffer.subarray(0, n)));
        this.offset += n;
        this.save();
      }
    } finally {
      closeSync(fd);
    }
  }

  private save(): void {
    if (this.offset === this.written) return;
    try {
      writeFileSync(`${this.file}.offset`, String(this.offset), { mode: PRIVATE_FILE_MODE });
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
