import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { COALESCE_MS, MetadataWriter } from '../../../src/daemon/engine/metadata-writer.js';
import { SharedPace } from '../../../src/daemon/engine/shared-pace.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-writer-'));
});

afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

// Polls on real event-loop turns (never faked timers) until check() holds, or fails with the message.
async function waitFor(check: () => boolean | Promise<boolean>, message: string, deadlineMs = 5000): Promise<void> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > deadlineMs) throw new Error(`timed out waiting: ${message}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

// These states are not runs: the schema check (metadata-writer-schema.test.ts) is off for the mechanics here.
const ACCEPT_ANY = { check: () => null };

// A writer whose snapshot is a counter the test moves.
function counterWriter(file: string) {
  const state = { value: 0 };
  const writer = new MetadataWriter(file, () => `${JSON.stringify(state)}\n`, ACCEPT_ANY);
  return { state, writer, read: async () => JSON.parse(await readFile(file, 'utf8')) as { value: number } };
}

describe('MetadataWriter', () => {
  it('coalesces many non-urgent marks in a tight loop into few writes, and flush() leaves the newest state', async () => {
    const file = path.join(dir, 'metadata.json');
    const { state, writer, read } = counterWriter(file);
    for (let i = 1; i <= 1000; i++) {
      state.value = i;
      writer.mark(false);
    }
    await writer.flush();
    expect(writer.writes).toBeGreaterThanOrEqual(1);
    expect(writer.writes).toBeLessThanOrEqual(2);
    expect(await read()).toEqual({ value: 1000 });
  });

  it('flush() with nothing marked writes nothing', async () => {
    const file = path.join(dir, 'metadata.json');
    const { writer } = counterWriter(file);
    await writer.flush();
    expect(writer.writes).toBe(0);
    await expect(readFile(file, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('holds non-urgent marks for the coalescing window but writes an urgent mark as soon as the disk is free', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const file = path.join(dir, 'metadata.json');
    const { state, writer, read } = counterWriter(file);

    state.value = 1;
    writer.mark(false);
    await waitFor(() => writer.writes === 1, 'the first write');
    expect(await read()).toEqual({ value: 1 });

    // The clock is frozen inside the window: these wait for it, however many event-loop turns pass.
    for (let i = 2; i <= 20; i++) {
      state.value = i;
      writer.mark(false);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(writer.writes).toBe(1);
    expect(await read()).toEqual({ value: 1 });

    // A status change does not wait for the window.
    state.value = 21;
    writer.mark(true);
    await waitFor(() => writer.writes === 2, 'the urgent write');
    expect(await read()).toEqual({ value: 21 });

    // And a later non-urgent mark goes out when the window has passed.
    state.value = 22;
    writer.mark(false);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(writer.writes).toBe(2);
    vi.advanceTimersByTime(COALESCE_MS);
    await waitFor(() => writer.writes === 3, 'the coalesced write after the window');
    expect(await read()).toEqual({ value: 22 });
  });

  it('folds marks made during a write into one next write, taking the snapshot when it starts', async () => {
    const file = path.join(dir, 'metadata.json');
    const { state, writer, read } = counterWriter(file);
    state.value = 1;
    writer.mark(true);
    for (let i = 2; i <= 100; i++) {
      state.value = i;
      writer.mark(true);
    }
    await writer.flush();
    expect(writer.writes).toBe(2);
    expect(await read()).toEqual({ value: 100 });
  });

  it('keeps the file whole for a reader at every moment and leaves no temp files behind', async () => {
    const file = path.join(dir, 'metadata.json');
    const state = { value: 0, pad: 'x'.repeat(200_000) };
    const writer = new MetadataWriter(file, () => JSON.stringify(state), ACCEPT_ANY);
    state.value = 1;
    writer.mark(true);
    await writer.flush();
    for (let i = 2; i <= 30; i++) {
      state.value = i;
      writer.mark(true);
      const text = await readFile(file, 'utf8');
      expect(() => JSON.parse(text)).not.toThrow();
    }
    await writer.flush();
    expect((JSON.parse(await readFile(file, 'utf8')) as { value: number }).value).toBe(30);
    expect(await readdir(dir)).toEqual(['metadata.json']);
  });

  it('throws a write failure from flush(), keeps the state to write, and lands it once it can', async () => {
    const file = path.join(dir, 'missing-folder', 'metadata.json');
    const { state, writer, read } = counterWriter(file);
    state.value = 1;
    writer.mark(true);
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ENOENT' });
    expect(writer.writes).toBe(0);
    await mkdir(path.dirname(file));
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(await read()).toEqual({ value: 1 });
  });

  describe('with many runs streaming at once', () => {
    // Fifty writers sharing a pace of 50 coalesced writes a second, on a disk that takes no time: `times[i]` holds
    // when writer i started each write, `landed[i]` the values it wrote.
    function fleet(count = 50) {
      const pace = new SharedPace(50, COALESCE_MS);
      const state = { value: 0 };
      const times: number[][] = Array.from({ length: count }, () => []);
      const landed: number[][] = Array.from({ length: count }, () => []);
      const writers = times.map((list, i) =>
        new MetadataWriter(`m${i}.json`, () => String(state.value), {
          check: () => null,
          pace,
          write: async (_file, text) => {
            list.push(Date.now());
            landed[i]?.push(Number(text));
          },
        }),
      );
      return { pace, state, times, landed, writers };
    }

    it('share the rate: each writes about once a second, together on the beat, and flush() still lands the newest', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-01-01T00:00:00.000Z') });
      const t0 = Date.now();
      const f = fleet();
      for (let t = 0; t < 3000; t += 10) {
        f.state.value = t;
        for (const writer of f.writers) writer.mark(false);
        await vi.advanceTimersByTimeAsync(10);
      }
      for (const list of f.times) {
        const late = list.filter((at) => at - t0 >= 1000);
        expect(late.length).toBeGreaterThanOrEqual(1);
        expect(late.length).toBeLessThanOrEqual(3);
        for (const at of late) expect(at % 1000).toBe(0);
      }
      f.state.value = 3000;
      for (const writer of f.writers) writer.mark(false);
      await Promise.all(f.writers.map((w) => w.flush()));
      for (const values of f.landed) expect(values.at(-1)).toBe(3000);
    });

    it('never hold a status change', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-01-01T00:00:00.000Z') });
      const f = fleet();
      for (let t = 0; t < 1000; t += 10) {
        for (const writer of f.writers) writer.mark(false);
        await vi.advanceTimersByTimeAsync(10);
      }
      const [first] = f.writers;
      const before = f.times[0]?.length ?? 0;
      f.state.value = -1;
      first?.mark(true);
      await vi.advanceTimersByTimeAsync(0);
      expect(f.times[0]?.length).toBe(before + 1);
      expect(f.landed[0]?.at(-1)).toBe(-1);
    });

    it('give a closed writer\'s share back to the others', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-01-01T00:00:00.000Z') });
      const f = fleet();
      for (let t = 0; t < 500; t += 10) {
        for (const writer of f.writers) writer.mark(false);
        await vi.advanceTimersByTimeAsync(10);
      }
      expect(f.pace.gap(Date.now())).toBe(1000);
      for (const writer of f.writers.slice(1)) writer.close();
      await vi.advanceTimersByTimeAsync(100);
      expect(f.pace.gap(Date.now())).toBe(COALESCE_MS);
    });
  });
});
