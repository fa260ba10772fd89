import { constants } from 'node:fs';
import { type FileHandle, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../shared/bytes.js';
import { type ErrorCode, PipeError } from '../shared/errors.js';

// Resolves a path a stage named (entity, output) and refuses one that leaves the workspace, symlinks included.
export async function resolveInside(workspace: string, cwd: string, relative: string): Promise<string> {
  const resolved = path.resolve(cwd, relative);
  const [root, real] = await Promise.all([realpath(workspace), realpath(resolved)]);
  if (!isWithin(root, real)) throw new PipeError('ERR_ENTITY_INVALID', `${relative} is outside the workspace`);
  return real;
}

const isWithin = (root: string, real: string): boolean => {
  const inside = path.relative(root, real);
  return !(inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside));
};

// A declared output counts when it exists and is not empty: a file with bytes, or a folder with entries. Only
// stat and readdir: nothing here opens the file, so a FIFO cannot block it.
export async function isNonEmpty(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (info.isFile()) return info.size > 0;
    if (info.isDirectory()) return (await readdir(file)).length > 0;
    return false;
  } catch {
    return false;
  }
}

export async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then((s) => s.isDirectory(), () => false);
}

// O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (and a read of a regular file is not
// affected). O_NOFOLLOW: the path is a real path resolved just before; a symlink there now means it was swapped.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

export interface RegularFileRules {
  /** How the file is named in messages: as the user or the stage gave it. */
  named: string;
  /** The limit in words, for the size message: `a pipeline file may be`. */
  limit: string;
  maxBytes: number;
  /** The code for a file that is gone, and for one that is refused. */
  missing: ErrorCode;
  invalid: ErrorCode;
  /** A real folder the opened file must lie in, checked on the descriptor itself where the system tells. */
  within?: string;
}

/**
 * Opens a file that must be a regular file of at most `maxBytes`, judged on the opened descriptor, never on a path
 * that may change between a check and the open. `file` should be a real path (symlinks resolved). The caller
 * closes the handle.
 */
export async function openRegularFile(file: string, rules: RegularFileRules): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PipeError(rules.missing, `${rules.named} does not exist`, { cause });
    // ELOOP is O_NOFOLLOW meeting a symlink; ENXIO is a Unix socket, which cannot be opened at all.
    if (code === 'ELOOP') throw new PipeError(rules.invalid, `${rules.named} was replaced by a symbolic link`, { cause });
    if (code === 'ENXIO') throw new PipeError(rules.invalid, `${rules.named} is not a regular file (a socket)`, { cause });
    throw new PipeError(rules.missing, `cannot read ${rules.named}: ${code ?? (cause as Error).message}`, { cause });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new PipeError(rules.invalid, `${rules.named} is not a regular file (${kindOf(info)})`);
    if (info.size > rules.maxBytes) {
      throw new PipeError(rules.invalid, `${rules.named} is ${formatBytes(info.size)}, more than the ${formatBytes(rules.maxBytes)} ${rules.limit}`);
    }
    if (rules.within !== undefined) {
      const where = await descriptorPath(handle.fd);
      // A folder on the way swapped for a symlink after the path was resolved leads the open elsewhere.
      if (where !== null && !isWithin(rules.within, where)) throw new PipeError(rules.invalid, `${rules.named} is outside the workspace`);
    }
    return { handle, size: info.size };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

// Where an open descriptor really is. Linux tells through /proc; elsewhere null, and the resolved path stands.
async function descriptorPath(fd: number): Promise<string | null> {
  return readlink(`/proc/self/fd/${fd}`).catch(() => null);
}

function kindOf(info: { isFIFO(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isDirectory()) return 'a folder';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}
