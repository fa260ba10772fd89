import { describe, expect, it } from 'vitest';
import type { Resources } from '../../../src/shared/metadata-schema.js';
import type { ProcEntry } from '../../../src/daemon/engine/proc-table.js';
import { tableSource } from '../../helpers/proc-source.js';
import { ResourceSampler } from '../../../src/daemon/engine/resource-sampler.js';
import { trackResources } from '../../../src/daemon/engine/stage-resources.js';

const MB = 1024 * 1024;
const proc = (ticks: number, rssMb: number): ProcEntry[] => [{ pid: 7, ppid: 1, pgrp: 7, state: 'S', ticks, rssPages: (rssMb * MB) / 4096 }];

describe('trackResources', () => {
  it('says a reading when it moves, keeps the peak and CPU seconds, and says the last one when stopped', () => {
    let table = proc(0, 100);
    let clock = 0;
    const sampler = new ResourceSampler(1000, tableSource(() => table), () => clock, null);
    const said: Resources[] = [];
    const tracking = trackResources(7, (r) => said.push(r), sampler, () => clock);
    const tick = (ticks: number, rssMb: number): void => {
      table = proc(ticks, rssMb);
      clock += 1000;
      sampler.sample();
    };
    sampler.sample(); // the first pass only notes the CPU time
    tick(100, 100); // 100 % of a core, 100 MB: the first reading is said
    tick(200, 101); // the same, near enough: not said again
    tick(300, 300); // memory tripled: said
    tick(300, 120); // idle, memory fell: said, the peak stays
    expect(said.map((r) => [r.cpu_pct, r.rss_bytes / MB, r.peak_rss_bytes / MB])).toEqual([
      [100, 100, 100],
      [100, 300, 300],
      [0, 120, 300],
    ]);
    tick(300, 121);
    tracking.stop();
    expect(said.at(-1)).toEqual({ cpu_pct: 0, rss_bytes: 121 * MB, peak_rss_bytes: 300 * MB, cpu_s: 3, gpu_bytes: null, peak_gpu_bytes: null });
  });

  it('keeps the GPU peak beside the memory one, and says a GPU reading that moved', () => {
    const gpu = new Map([[7, 1000 * MB]]);
    let clock = 0;
    const sampler = new ResourceSampler(1000, tableSource(() => proc(0, 100)), () => clock, { poll: () => gpu });
    const said: Resources[] = [];
    const tracking = trackResources(7, (r) => said.push(r), sampler, () => clock);
    for (const mb of [1000, 4000, 500]) {
      gpu.set(7, mb * MB);
      clock += 1000;
      sampler.sample();
    }
    tracking.stop();
    expect(said.map((r) => [r.gpu_bytes, r.peak_gpu_bytes].map((b) => (b ?? 0) / MB))).toEqual([
      [4000, 4000],
      [500, 4000],
    ]);
  });
});
