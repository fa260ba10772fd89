import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ProcEntry } from '../../../src/daemon/engine/proc-table.js';
import { tableSource } from '../../helpers/proc-source.js';
import { type GroupUsage, ResourceSampler } from '../../../src/daemon/engine/resource-sampler.js';
import { waitFor } from '../../helpers/workspace.js';

const entry = (pid: number, pgrp: number, ticks: number, rssPages: number, state = 'S'): ProcEntry => ({ pid, ppid: pid === pgrp ? 1 : pgrp, pgrp, state, ticks, rssPages });

describe('ResourceSampler', () => {
  it('sums a process group’s members, CPU from the second pass on, zombies and other groups left out', () => {
    let table: ProcEntry[] = [entry(10, 10, 100, 1000), entry(11, 10, 50, 2000), entry(20, 20, 999, 9999)];
    let clock = 0;
    const sampler = new ResourceSampler(1000, tableSource(() => table), () => clock, null);
    const seen: GroupUsage[] = [];
    const stop = sampler.watch(10, (u) => seen.push(u));
    sampler.sample();
    expect(seen).toEqual([]);
    // One second later: 150 more ticks (1.5 cores), and a member left behind as a zombie counts for nothing.
    table = [entry(10, 10, 200, 1000), entry(11, 10, 100, 3000), entry(12, 10, 500, 50, 'Z'), entry(20, 20, 2000, 9999)];
    clock = 1000;
    sampler.sample();
    expect(seen).toEqual([{ cpu_pct: 150, rss_bytes: 4000 * 4096, cpu_s: 1.5, gpu_bytes: null }]);
    // Member by member: 11 ended (its last second is gone with it), 10 used 10 ticks, and 13, a compiler that
    // started since the last pass (make -j), counts all of its 80: 0.9 s.
    table = [entry(10, 10, 210, 1000), entry(13, 10, 80, 500)];
    clock = 2000;
    sampler.sample();
    expect(seen.at(-1)).toEqual({ cpu_pct: 90, rss_bytes: 1500 * 4096, cpu_s: 0.9, gpu_bytes: null });
    stop();
  });

  it('adds the GPU memory nvidia-smi gave for the group’s members, and 0 for a group holding none', () => {
    const table = [entry(10, 10, 0, 10), entry(11, 10, 0, 10), entry(20, 20, 0, 10)];
    let clock = 0;
    const gpu = new Map([[11, 3 * 1024 ** 3], [99, 1024 ** 3]]);
    const sampler = new ResourceSampler(1000, tableSource(() => table), () => clock, { poll: () => gpu });
    const seen = new Map<number, (number | null)[]>();
    const stops = [10, 20].map((g) => sampler.watch(g, (u) => seen.set(g, [...(seen.get(g) ?? []), u.gpu_bytes])));
    sampler.sample();
    clock = 1000;
    sampler.sample();
    expect(Object.fromEntries(seen)).toEqual({ 10: [3 * 1024 ** 3], 20: [0] });
    for (const stop of stops) stop();
  });

  it('reads all of /proc one pass in ten; between, the members and their children, an orphan member found at the next full pass', () => {
    // 10 leads the group; 11 its child; 30 a member whose parent died (reparented to init); 40 an unrelated process.
    const table = [entry(10, 10, 0, 100), { ...entry(11, 10, 0, 200), ppid: 10 }, { ...entry(30, 10, 0, 400), ppid: 1 }, entry(40, 40, 0, 800)];
    const reads = { all: 0, one: 0 };
    let clock = 0;
    const sampler = new ResourceSampler(1000, tableSource(() => table, reads), () => clock, null);
    const rss: number[] = [];
    const stop = sampler.watch(10, (u) => rss.push(u.rss_bytes / 4096));
    for (let pass = 0; pass < 12; pass++, clock += 1000) sampler.sample();
    // Pass 1 is full (it finds 30), 2…10 walk 10, 11 and 30 (known from the pass before), 11 is full, 12 walks.
    expect(reads.all).toBe(2);
    expect(rss).toEqual(Array(11).fill(700));
    // The walk read the members alone, never the unrelated process.
    expect(reads.one).toBe(10 * 3);
    stop();
  });

  it('measures a real process group: a grandchild holding about 200 MB', async () => {
    // sh → python3 (a grandchild of the test) that allocates and touches 200 MB, then sleeps.
    const child = spawn('sh', ['-c', 'python3 -c "import time; b = bytearray(200 * 1024 * 1024); time.sleep(30)"'], { detached: true, stdio: 'ignore' });
    const pgid = child.pid as number;
    const sampler = new ResourceSampler(100);
    let rss = 0;
    const stop = sampler.watch(pgid, (u) => (rss = u.rss_bytes));
    try {
      await waitFor('the group’s RSS to pass 200 MB', () => rss >= 200 * 1024 * 1024, 20_000);
    } finally {
      stop();
      process.kill(-pgid, 'SIGKILL');
    }
  });
});
