import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PipeError, toPipeError } from '../../shared/errors.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../workspace/layout.js';

// O_NOFOLLOW: a symlink planted at the log's path is refused, never written through (it could lead to any file
// of the user's). O_NONBLOCK: a FIFO planted there is refused at once rather than waited on for a reader.
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

// A stage's log, appended synchronously so lines land in arrival order and the pipe back-pressures a stage
// that outruns the disk. A failure to open or write it (a full disk, a planted symlink) is kept, not thrown from
// inside a stream handler; the stage attempt reports it as ERR_IO.
export class LogFile {
  failure: PipeError | null = null;
  private readonly fd: number | null = null;

  constructor(file: string) {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      this.fd = openSync(file, APPEND_FLAGS, PRIVATE_FILE_MODE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.failure = code === 'ELOOP'
        ? new PipeError('ERR_IO', `cannot open ${file}: a symbolic link is there, and a log is never written through one`, { cause: error })
        : new PipeError('ERR_IO', `cannot open ${file}: ${toPipeError(error, 'ERR_IO').message}`, { cause: error });
    }
  }

  write(data: Buffer | string): void {
    if (this.failure || this.fd === null) return;
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
    } catch (error) {
      this.failure = toPipeError(error, 'ERR_IO');
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
  }
}
