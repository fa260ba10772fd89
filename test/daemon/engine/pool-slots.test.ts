import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireSlot } from '../../../src/daemon/engine/pool-slots.js';
import { daemonPaths } from '../../../src/workspace/layout.js';
import { removeWorkspaces, tempWorkspace } from '../../helpers/workspace.js';

afterEach(removeWorkspaces);

const holder = { runId: 'r', stage: 's' };
const never = new AbortController().signal;

async function poolOf(size: number): Promise<{ ws: string; dir: string }> {
  const ws = await tempWorkspace();
  await writeFile(path.join(ws, 'pipe-tui.yaml'), `pools:\n  gpu: ${size}\n`);
  const dir = daemonPaths(ws).pools;
  await mkdir(dir, { recursive: true });
  return { ws, dir };
}

describe('pool slots', () => {
  it('takes back a slot whose holder died, whose pid is now another process, or that was never written', async () => {
    const { ws, dir } = await poolOf(3);
    // A pid no process has; this test's own pid, but started at another time (a pid reused); an empty old file.
    await writeFile(path.join(dir, 'gpu.0'), JSON.stringify({ pid: 2 ** 22 + 4321, started: '1' }));
    await writeFile(path.join(dir, 'gpu.1'), JSON.stringify({ pid: process.pid, started: '1' }));
    await writeFile(path.join(dir, 'gpu.2'), '');
    const old = new Date(Date.now() - 60_000);
    await utimes(path.join(dir, 'gpu.2'), old, old);
    const slots = await Promise.all([0, 1, 2].map(() => acquireSlot(ws, 'gpu', holder, never, () => undefined)));
    expect(slots.map((s) => s?.slot).sort()).toEqual([0, 1, 2]);
    expect(JSON.parse(await readFile(path.join(dir, 'gpu.1'), 'utf8'))).toMatchObject({ pid: process.pid, runId: 'r' });
    for (const slot of slots) await slot?.release();
  });

  it('waits while a live holder keeps the only slot, says so once, and gets it when it is given back; waiters go in turn', async () => {
    const { ws } = await poolOf(1);
    const first = await acquireSlot(ws, 'gpu', holder, never, () => undefined);
    const waits: number[] = [];
    const order: string[] = [];
    const second = acquireSlot(ws, 'gpu', holder, never, (size) => waits.push(size)).then((s) => (order.push('second'), s));
    const third = acquireSlot(ws, 'gpu', holder, never, (size) => waits.push(size)).then((s) => (order.push('third'), s));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(order).toEqual([]);
    await first?.release();
    const got = await second;
    expect(got?.slot).toBe(0);
    await got?.release();
    await (await third)?.release();
    expect(order).toEqual(['second', 'third']);
    expect(waits).toEqual([1, 1]);
  });

  it('gives up waiting when cancelled', async () => {
    const { ws } = await poolOf(1);
    const first = await acquireSlot(ws, 'gpu', holder, never, () => undefined);
    const cancel = new AbortController();
    const waiting = acquireSlot(ws, 'gpu', holder, cancel.signal, () => cancel.abort());
    expect(await waiting).toBeNull();
    await first?.release();
  });
});
