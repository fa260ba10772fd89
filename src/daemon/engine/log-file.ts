import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { toPipeError, type PipeError } from '../../shared/errors.js';

// A stage's log, appended synchronously so lines land in arrival order and the pipe back-pressures a stage
// that outruns the disk. A write failure (a full disk) is kept, not thrown from inside a stream handler.
export class LogFile {
  failure: PipeError | null = null;
  private readonly fd: number;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
  }

  write(data: Buffer | string): void {
    if (this.failure) return;
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
    } catch (error) {
      this.failure = toPipeError(error, 'ERR_IO');
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
