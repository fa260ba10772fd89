import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../shared/errors.js';

// Resolves a path a stage named (entity, output) and refuses one that leaves the workspace, symlinks included.
export async function resolveInside(workspace: string, cwd: string, relative: string): Promise<string> {
  const resolved = path.resolve(cwd, relative);
  const [root, real] = await Promise.all([realpath(workspace), realpath(resolved)]);
  const inside = path.relative(root, real);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new PipeError('ERR_ENTITY_INVALID', `${relative} is outside the workspace`);
  }
  return real;
}

// A declared output counts when it exists and is not empty: a file with bytes, or a folder with entries.
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

// An entity must be a regular file: a FIFO would block the copy forever, a folder cannot be one entity.
export async function requireRegularFile(file: string, named: string): Promise<string> {
  const info = await stat(file);
  if (!info.isFile()) throw new PipeError('ERR_ENTITY_INVALID', `${named} is not a regular file`);
  return file;
}

export async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then((s) => s.isDirectory(), () => false);
}
