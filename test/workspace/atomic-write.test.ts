import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyAtomic, writeAtomic } from '../../src/workspace/atomic-write.js';

let root: string;
let runFolder: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-atomic-')));
  runFolder = path.join(root, 'run');
  await mkdir(runFolder);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('copyAtomic', () => {
  it('copies a regular file, returns its size and leaves no temporary file', async () => {
    const source = path.join(root, 'notes.md');
    await writeFile(source, 'x'.repeat(3 * MiB + 7));
    const target = path.join(runFolder, '01_notes.md');
    expect(await copyAtomic(source, target, { maxBytes: 4 * MiB })).toBe(3 * MiB + 7);
    expect((await readFile(target)).length).toBe(3 * MiB + 7);
    expect(await readdir(runFolder)).toEqual(['01_notes.md']);
  });

  it('refuses a FIFO at once with ERR_ENTITY_INVALID instead of waiting for a writer', async () => {
    const fifo = path.join(root, 'e1.txt');
    execFileSync('mkfifo', [fifo]);
    await expect(copyAtomic(fifo, path.join(runFolder, '01_e.txt'), { maxBytes: MiB })).rejects.toMatchObject({
      code: 'ERR_ENTITY_INVALID',
      message: expect.stringContaining('not a regular file'),
    });
    expect(await readdir(runFolder)).toEqual([]);
  });

  it('refuses a character device and a folder', async () => {
    await expect(copyAtomic('/dev/zero', path.join(runFolder, '01_z.bin'), { maxBytes: MiB })).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
    await expect(copyAtomic(root, path.join(runFolder, '01_d'), { maxBytes: MiB })).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
    expect(await readdir(runFolder)).toEqual([]);
  });

  it('refuses a source that is a symlink (the path was resolved before; a link now means it was swapped)', async () => {
    const secret = path.join(root, 'secret.txt');
    await writeFile(secret, 'secret');
    const link = path.join(root, 'e1.txt');
    await symlink(secret, link);
    await expect(copyAtomic(link, path.join(runFolder, '01_e.txt'), { maxBytes: MiB })).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
    expect(await readdir(runFolder)).toEqual([]);
  });

  it('refuses a file above the cap from its size alone: a huge sparse file costs nothing', async () => {
    const sparse = path.join(root, 'big.bin');
    await writeFile(sparse, '');
    await truncate(sparse, 2 * 1024 * MiB);
    await expect(copyAtomic(sparse, path.join(runFolder, '01_big.bin'), { maxBytes: MiB })).rejects.toMatchObject({
      code: 'ERR_ENTITY_INVALID',
      message: expect.stringMatching(/2 GiB.*more than the 1 MiB/),
    });
    expect(await readdir(runFolder)).toEqual([]);
  });

  it('refuses a file that lies outside the folder it must be in', async () => {
    const source = path.join(root, 'outside.txt');
    await writeFile(source, 'x');
    const inside = path.join(root, 'ws');
    await mkdir(inside);
    await expect(copyAtomic(source, path.join(runFolder, '01_o.txt'), { maxBytes: MiB, within: inside })).rejects.toMatchObject({ code: 'ERR_ENTITY_INVALID' });
  });

  it('writes the copy 0600 whatever the source mode', async () => {
    const source = path.join(root, 'open.txt');
    await writeFile(source, 'data');
    await chmod(source, 0o666);
    const target = path.join(runFolder, '01_open.txt');
    await copyAtomic(source, target, { maxBytes: MiB });
    expect(await mode(target)).toBe(0o600);
  });
});

describe('writeAtomic', () => {
  it('writes a new file 0600 whatever the umask', async () => {
    const old = process.umask(0);
    try {
      const file = path.join(runFolder, 'metadata.json');
      await writeAtomic(file, '{}\n');
      expect(await mode(file)).toBe(0o600);
      expect(await readFile(file, 'utf8')).toBe('{}\n');
    } finally {
      process.umask(old);
    }
  });
});
