import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { COALESCE_MS, MetadataWriter } from '../../../src/daemon/engine/metadata-writer.js';

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
});
