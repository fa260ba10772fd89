import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { isNonEmpty, resolveInside } from '../../src/workspace/safe-paths.js';

let root: string;
let workspace: string;
let outside: string;

beforeEach(async () => {
  // realpath: on some systems the temp folder itself is behind a symlink (macOS /var → /private/var).
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-paths-')));
  workspace = path.join(root, 'ws');
  outside = path.join(root, 'outside');
  await mkdir(path.join(workspace, 'stage', 'out'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(workspace, 'stage', 'out', 'a.txt'), 'hello');
  await writeFile(path.join(workspace, 'top.txt'), 'top');
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveInside', () => {
  it('accepts a path relative to the stage folder and returns its real path', async () => {
    const cwd = path.join(workspace, 'stage');
    expect(await resolveInside(workspace, cwd, 'out/a.txt')).toBe(path.join(workspace, 'stage', 'out', 'a.txt'));
    expect(await resolveInside(workspace, cwd, './out/../out/a.txt')).toBe(path.join(workspace, 'stage', 'out', 'a.txt'));
  });

  it('accepts a path that goes up but stays inside, the workspace itself, and an absolute path inside', async () => {
    const cwd = path.join(workspace, 'stage');
    expect(await resolveInside(workspace, cwd, '../top.txt')).toBe(path.join(workspace, 'top.txt'));
    expect(await resolveInside(workspace, cwd, '..')).toBe(workspace);
    expect(await resolveInside(workspace, cwd, path.join(workspace, 'top.txt'))).toBe(path.join(workspace, 'top.txt'));
  });

  it('accepts a symlink inside the workspace that points inside it', async () => {
    await symlink(path.join(workspace, 'top.txt'), path.join(workspace, 'stage', 'link.txt'));
    expect(await resolveInside(workspace, path.join(workspace, 'stage'), 'link.txt')).toBe(path.join(workspace, 'top.txt'));
  });

  it('refuses ../outside with ERR_ENTITY_INVALID', async () => {
    await expect(resolveInside(workspace, workspace, '../outside/secret.txt')).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
    await expect(resolveInside(workspace, workspace, '../outside')).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
  });

  it('refuses an absolute path outside', async () => {
    await expect(resolveInside(workspace, workspace, path.join(outside, 'secret.txt'))).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
    await expect(resolveInside(workspace, workspace, root)).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
  });

  it('refuses a sibling folder whose name starts with the workspace’s', async () => {
    const sibling = `${workspace}2`;
    await mkdir(sibling);
    await writeFile(path.join(sibling, 'x.txt'), 'x');
    await expect(resolveInside(workspace, workspace, '../ws2/x.txt')).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
  });

  it('refuses a symlink inside the workspace that points outside', async () => {
    await symlink(path.join(outside, 'secret.txt'), path.join(workspace, 'stage', 'leak.txt'));
    await symlink(outside, path.join(workspace, 'stage', 'leakdir'));
    const cwd = path.join(workspace, 'stage');
    await expect(resolveInside(workspace, cwd, 'leak.txt')).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
    await expect(resolveInside(workspace, cwd, 'leakdir/secret.txt')).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
  });

  it('works when the workspace is given through a symlink', async () => {
    const alias = path.join(root, 'alias');
    await symlink(workspace, alias);
    expect(await resolveInside(alias, path.join(alias, 'stage'), 'out/a.txt')).toBe(path.join(workspace, 'stage', 'out', 'a.txt'));
  });

  it('rejects a path that does not exist', async () => {
    await expect(resolveInside(workspace, workspace, 'nope.txt')).rejects.toThrow();
  });

  it('accepts a file inside when the workspace is the filesystem root', async () => {
    const file = path.join(workspace, 'top.txt');
    expect(await resolveInside('/', '/', file)).toBe(file);
  });
});

describe('isNonEmpty', () => {
  it('is true for a file with bytes and a folder with entries', async () => {
    expect(await isNonEmpty(path.join(workspace, 'top.txt'))).toBe(true);
    expect(await isNonEmpty(path.join(workspace, 'stage'))).toBe(true);
  });

  it('is false for an empty file, an empty folder and a missing path', async () => {
    await writeFile(path.join(workspace, 'empty.txt'), '');
    await mkdir(path.join(workspace, 'empty-dir'));
    expect(await isNonEmpty(path.join(workspace, 'empty.txt'))).toBe(false);
    expect(await isNonEmpty(path.join(workspace, 'empty-dir'))).toBe(false);
    expect(await isNonEmpty(path.join(workspace, 'missing'))).toBe(false);
  });
});
