import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toPipeError } from '../../src/shared/errors.js';

// An error as Node's fs makes it: the message already starts with the code.
const errno = (code: string, message: string, file?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code, errno: -1, syscall: 'open', ...(file ? { path: file } : {}) });

describe('toPipeError on a system error', () => {
  it('names the code once when the message already starts with it', () => {
    const error = toPipeError(errno('EACCES', "EACCES: permission denied, open '/srv/x/metadata.json'", '/srv/x/metadata.json'));
    expect(error).toMatchObject({ code: 'ERR_IO', message: "EACCES: permission denied, open '/srv/x/metadata.json'" });
  });

  it('a real one: writing /proc/version fails with EIO, said once', async () => {
    const cause = await writeFile('/proc/version', 'x').then(() => null, (e: unknown) => e);
    expect(cause).toMatchObject({ code: expect.stringMatching(/^E/) });
    const error = toPipeError(cause);
    const code = (cause as NodeJS.ErrnoException).code ?? '';
    expect(error.message.split(code)).toHaveLength(2);
  });

  it('a real one: spawning a file that is not executable says EACCES once, with the path', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pipe-tui-errno-'));
    try {
      const file = path.join(dir, 'not-executable');
      await writeFile(file, 'echo hi\n');
      await chmod(file, 0o644);
      const cause = await new Promise<unknown>((resolve) => execFile(file, (e) => resolve(e)));
      expect(cause).toMatchObject({ code: 'EACCES' });
      const error = toPipeError(cause);
      expect(error.code).toBe('ERR_IO');
      expect(error.message.split('EACCES')).toHaveLength(2);
      expect(error.message).toMatch(/^EACCES: /);
      expect(error.message).toContain(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prefixes the code when the message does not carry it, and adds the path when known', () => {
    expect(toPipeError(errno('ENOSPC', 'no space left on device', '/srv/x/log')).message).toBe('ENOSPC: no space left on device (/srv/x/log)');
    expect(toPipeError(errno('EACCES', 'EACCES', '/srv/x')).message).toBe('EACCES: /srv/x');
    expect(toPipeError(errno('EIO', 'EIO: i/o error, write')).message).toBe('EIO: i/o error, write');
  });

  it('leaves other errors alone', () => {
    expect(toPipeError(new Error('boom'))).toMatchObject({ code: 'ERR_INTERNAL', message: 'boom' });
    expect(toPipeError(errno('ENOENT', "ENOENT: no such file or directory, open '/x'", '/x'), 'ERR_RUN_NOT_FOUND')).toMatchObject({
      code: 'ERR_RUN_NOT_FOUND',
    });
  });
});
