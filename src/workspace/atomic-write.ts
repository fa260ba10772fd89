import { constants } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { PipeError } from '../shared/errors.js';
import { PRIVATE_FILE_MODE } from './layout.js';
import { openRegularFile } from './safe-paths.js';

// write-file-atomic does the temp-file-in-the-same-folder, fsync and rename dance, and queues concurrent writes
// to one path so the newest always lands last: exactly what coalesced metadata.json writes need. The mode is
// given, so the file is the user's alone whatever the umask (and write-file-atomic chmods the temp file to it).
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await writeFileAtomic(file, data, { fsync: true, mode: PRIVATE_FILE_MODE });
}

export interface CopyLimits {
  /** A larger source is refused from its size, before a byte is copied. */
  maxBytes: number;
  /** The copy gives up after this long; by default 60 s plus a second for every 8 MiB. */
  deadlineMs?: number;
  /** A real folder the source must lie in (the workspace). */
  within?: string;
  /** The source as the stage named it, for messages. */
  named?: string;
}

const CHUNK = 1024 * 1024;
// Even a slow disk moves 8 MiB a second; a copy slower than that is stuck (a hung network mount), not busy.
const copyDeadline = (size: number): number => 60_000 + Math.ceil(size / (8 * CHUNK)) * 1000;

// Entities can be large, so they are streamed through a small buffer, not read into memory. The source is judged
// on its opened descriptor (a regular file, within the cap), so swapping it for a FIFO after any earlier check
// cannot block the copy; a copy that outlives its deadline is abandoned rather than waited for.
export async function copyAtomic(source: string, target: string, limits: CopyLimits): Promise<number> {
  const named = limits.named ?? source;
  const rules = { named, limit: 'an entity may be (PIPE_TUI_MAX_ENTITY_BYTES)', maxBytes: limits.maxBytes, missing: 'ERR_ENTITY_INVALID', invalid: 'ERR_ENTITY_INVALID', within: limits.within } as const;
  const { handle: input, size } = await openRegularFile(source, rules);
  const deadline = Date.now() + (limits.deadlineMs ?? copyDeadline(size));
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  let output: FileHandle | null = null;
  let stuck = false;
  try {
    output = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, PRIVATE_FILE_MODE);
    const out = output;
    // The umask may have taken bits away from the mode given to open; the entity is 0600 exactly.
    await out.chmod(PRIVATE_FILE_MODE);
    const copied = await beforeDeadline(copyStream(input, out, limits.maxBytes, named), deadline, named, () => (stuck = true));
    await beforeDeadline(out.sync(), deadline, named, () => (stuck = true));
    await out.close();
    output = null;
    await rename(tmp, target);
    return copied;
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  } finally {
    // A FileHandle's close waits for its pending read or write: after a stuck one it is let go, not awaited.
    const closing = Promise.all([input.close(), output?.close()]).catch(() => undefined);
    if (!stuck) await closing;
  }
}

async function copyStream(input: FileHandle, output: FileHandle, maxBytes: number, named: string): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  for (;;) {
    const { bytesRead } = await input.read(buffer, 0, CHUNK, total);
    if (bytesRead === 0) return total;
    total += bytesRead;
    // The size was checked when the file was opened; a file still growing is stopped at the cap all the same.
    if (total > maxBytes) throw new PipeError('ERR_ENTITY_INVALID', `${named} grew past the limit while it was copied`);
    let written = 0;
    while (written < bytesRead) written += (await output.write(buffer, written, bytesRead - written)).bytesWritten;
  }
}

async function beforeDeadline<T>(work: Promise<T>, deadline: number, named: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new PipeError('ERR_ENTITY_INVALID', `copying ${named} took too long; given up`));
    }, Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
