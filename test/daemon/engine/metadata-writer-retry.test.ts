import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetadataWriter } from '../../../src/daemon/engine/metadata-writer.js';
import { waitFor } from '../../helpers/workspace.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-retry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ENOSPC = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

// A disk that is full for the first `full` writes, then has room again.
function fillingDisk(full: number) {
  let tries = 0;
  return {
    tries: () => tries,
    write: async (file: string, text: string): Promise<void> => {
      tries++;
      if (tries <= full) throw ENOSPC();
      await writeFile(file, text);
    },
  };
}

describe('MetadataWriter on a full disk', () => {
  it('reports the failure, then keeps trying until the newest state lands, with nothing else marked', async () => {
    const file = path.join(dir, 'metadata.json');
    const state = { status: 'running' };
    const disk = fillingDisk(3);
    const writer = new MetadataWriter(file, () => JSON.stringify(state), { check: () => null, write: disk.write, retryMs: 10 });
    state.status = 'failed';
    writer.mark(true);
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(writer.behind).toBe(true);
    // No more marks: the run has ended. The file still comes to say so once there is room.
    await waitFor('the final state to land', async () => (await readFile(file, 'utf8').catch(() => '')) === '{"status":"failed"}');
    expect(disk.tries()).toBe(4);
    await writer.settled();
    expect(writer.behind).toBe(false);
  });

  it('backs off between tries rather than spinning on a disk that stays full', async () => {
    const disk = fillingDisk(Number.POSITIVE_INFINITY);
    const writer = new MetadataWriter(path.join(dir, 'm.json'), () => '{}', { check: () => null, write: disk.write, retryMs: 20 });
    writer.mark(true);
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ENOSPC' });
    // Tries at about 20, 40, 80, 160 ms after the first: a handful, not thousands.
    await waitFor('a few tries', () => disk.tries() >= 4, 5000);
    expect(disk.tries()).toBeLessThan(10);
  });
});
