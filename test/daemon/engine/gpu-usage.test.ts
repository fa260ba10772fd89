import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GpuWatch, type GpuQuery, parseComputeApps, queryNvidiaSmi } from '../../../src/daemon/engine/gpu-usage.js';
import { waitFor } from '../../helpers/workspace.js';

const MIB = 1024 * 1024;
const hasNvidiaSmi = ((): boolean => {
  try {
    execFileSync('nvidia-smi', ['-L'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();

describe('GPU memory from nvidia-smi', () => {
  it('reads --query-compute-apps lines, summing a process on two GPUs and skipping what is not a line of figures', () => {
    const text = '4242, 2048\n4242, 512\n77, 100\n[N/A], [N/A]\nNo running processes found\n';
    expect(parseComputeApps(text)).toEqual(new Map([[4242, 2560 * MIB], [77, 100 * MIB]]));
  });

  it('asks at most every interval, one question at a time, and keeps the last answer', async () => {
    let asked = 0;
    let clock = 0;
    let answer: (value: Awaited<ReturnType<GpuQuery>>) => void = () => {};
    const query: GpuQuery = () => {
      asked++;
      return new Promise((resolve) => (answer = resolve));
    };
    const watch = new GpuWatch(query, 5000, () => clock);
    expect(watch.poll()).toBeNull();
    clock = 6000;
    expect(watch.poll()).toBeNull();
    expect(asked).toBe(1);
    answer({ table: new Map([[1, MIB]]) });
    await waitFor('the answer to land', () => watch.poll() !== null, 5000);
    expect(asked).toBe(2);
    clock = 7000;
    expect(watch.poll()).toEqual(new Map([[1, MIB]]));
    expect(asked).toBe(2);
  });

  it('never asks again on a machine without nvidia-smi', async () => {
    let asked = 0;
    let clock = 0;
    const watch = new GpuWatch(async () => (asked++, { missing: true }), 1000, () => clock);
    watch.poll();
    await waitFor('the first answer', () => asked === 1, 5000);
    await Promise.resolve();
    for (clock = 2000; clock < 10_000; clock += 2000) expect(watch.poll()).toBeNull();
    expect(asked).toBe(1);
  });

  it('rests ten minutes after three failed answers in a row (nvidia-smi without a driver)', async () => {
    let asked = 0;
    let clock = 0;
    const watch = new GpuWatch(async () => (asked++, { missing: false }), 1000, () => clock);
    for (let i = 0; i < 6; i++) {
      clock += 1000;
      watch.poll();
      await waitFor(`answer ${i + 1}`, () => asked >= Math.min(i + 1, 3), 5000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(asked).toBe(3);
    // Ten minutes on, it is asked again.
    clock += 10 * 60_000;
    watch.poll();
    await waitFor('the question after the rest', () => asked === 4, 5000);
  });

  it.skipIf(!hasNvidiaSmi)('reads this machine’s real nvidia-smi', async () => {
    const answer = await queryNvidiaSmi();
    expect('table' in answer, 'nvidia-smi -L answers, so --query-compute-apps should too').toBe(true);
  });

  it.skipIf(hasNvidiaSmi)('finds no nvidia-smi on this machine and says so', async () => {
    expect(await queryNvidiaSmi()).toEqual({ missing: true });
  });
});
