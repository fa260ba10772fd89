import { afterEach, describe, expect, it } from 'vitest';
import type { Resources } from '../../src/shared/metadata-schema.js';
import { jobResources } from '../../src/daemon/slurm/job-resources.js';
import { JobWatcher, type SlurmQueries, USAGE_REST_MS } from '../../src/daemon/slurm/job-watcher.js';
import { type JobUsage, parseDuration, parseSize, parseSstat, sstat } from '../../src/daemon/slurm/slurm-cli.js';
import { waitFor } from '../helpers/workspace.js';

const K = 1024;
const MB = 1024 * 1024;

// Real answers of `sstat --noheader --parsable2 --allsteps -j … --format=JobID,NTasks,AveCPU,AveRSS,MaxRSS,TRESUsageInTot`
// from Slurm 22.05.8 on one node. Job 623: a batch step that held 150 MB and let it go, and an `srun -n2` step
// whose two tasks hold 60 MB each and burned 2.5 CPU seconds apiece; job 625: one busy python holding 120 MB.
const LINUX = `623.batch|1|00:00:00|24220K|177732K|cpu=00:00:00,energy=0,fs/disk=1713791,mem=24220K,pages=1,vmem=236012K
623.0|2|00:00:02|74840K|74844K|cpu=00:00:05,energy=0,fs/disk=3371686,mem=149680K,pages=0,vmem=156024K
625.batch|1|00:00:07|137776K|137776K|cpu=00:00:07,energy=0,fs/disk=1690129,mem=137776K,pages=0,vmem=142048K
`;
// The same question on a cluster with JobAcctGatherType=jobacct_gather/none: a line per step, nothing in it.
const NONE = `651.batch|0|213503982334-14:25:51|||
`;

describe('sstat answers', () => {
  it('sums a job over its running steps: CPU by step, memory now of all tasks, the highest task peak', () => {
    const found = parseSstat(LINUX);
    expect([...found.keys()]).toEqual(['623', '625']);
    expect(found.get('623')).toEqual({ cpuByStep: new Map([['batch', 0], ['0', 5]]), rssBytes: (24220 + 149680) * K, maxRssBytes: 177732 * K });
    expect(found.get('625')).toEqual({ cpuByStep: new Map([['batch', 7]]), rssBytes: 137776 * K, maxRssBytes: 137776 * K });
  });

  it('says nothing of a job on a cluster that gathers no accounting, nor of lines that are not figures', () => {
    expect(parseSstat(NONE).size).toBe(0);
    expect(parseSstat('sstat: error: No steps running for job 624\n\n|||\n').size).toBe(0);
  });

  it('falls back to the per-task averages times the tasks where TRESUsageInTot is empty', () => {
    expect(parseSstat('77.0|4|01:30.500|1.5M|2M|\n').get('77')).toEqual({ cpuByStep: new Map([['0', 362]]), rssBytes: 6 * MB, maxRssBytes: 2 * MB });
  });

  it("reads Slurm's times and sizes", () => {
    expect(parseDuration('00:00:07')).toBe(7);
    expect(parseDuration('25:02.000')).toBe(1502);
    expect(parseDuration('01:23.456')).toBeCloseTo(83.456);
    expect(parseDuration('1-02:03:04')).toBe(93_784);
    expect(parseDuration('12')).toBe(12);
    for (const bad of [undefined, '', 'INVALID', '1:2:3:4', '-5']) expect(parseDuration(bad)).toBeNull();
    expect(parseSize('168144K')).toBe(168144 * K);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 * MB);
    expect(parseSize('1.37M')).toBe(Math.round(1.37 * MB));
    expect(parseSize('512')).toBe(512);
    for (const bad of [undefined, '', '0x10', '5Q']) expect(parseSize(bad)).toBeNull();
  });
});

const usage = (cpuByStep: Record<string, number>, rssMb: number, maxRssMb = rssMb): JobUsage => ({ cpuByStep: new Map(Object.entries(cpuByStep)), rssBytes: rssMb * MB, maxRssBytes: maxRssMb * MB });

describe('a job’s readings as resources', () => {
  it('needs two readings for a rate, keeps an ended step’s seconds and the peak, and says the last reading at the end', () => {
    let clock = 0;
    const said: Resources[] = [];
    const job = jobResources((r) => said.push(r), () => clock);
    job.reading(usage({ batch: 10 }, 100));
    expect(said).toEqual([]);
    clock = 5000;
    job.reading(usage({ batch: 15, '0': 5 }, 200, 250)); // 10 CPU seconds in 5 s: two cores
    clock = 10_000;
    job.reading(usage({ batch: 20 }, 120)); // step 0 ended: its 5 s stay counted
    expect(said.map((r) => [r.cpu_pct, r.rss_bytes / MB, r.peak_rss_bytes / MB, r.cpu_s])).toEqual([
      [200, 200, 250, 20],
      [100, 120, 250, 25],
    ]);
    clock = 12_000;
    job.reading(usage({ batch: 22 }, 121)); // nothing moved: unsaid until the end
    expect(said).toHaveLength(2);
    job.stop();
    expect(said.at(-1)).toEqual({ cpu_pct: 100, rss_bytes: 121 * MB, peak_rss_bytes: 250 * MB, cpu_s: 27, gpu_bytes: null, peak_gpu_bytes: null });
  });

  it('says the only reading of a short job when it ends, so its peak is kept', () => {
    const said: Resources[] = [];
    const job = jobResources((r) => said.push(r), () => 0);
    job.reading(usage({ batch: 1 }, 80, 90));
    job.stop();
    expect(said).toEqual([{ cpu_pct: 0, rss_bytes: 80 * MB, peak_rss_bytes: 90 * MB, cpu_s: 1, gpu_bytes: null, peak_gpu_bytes: null }]);
  });
});

describe('the watcher asking sstat', () => {
  const unwatch: (() => void)[] = [];
  afterEach(() => {
    for (const stop of unwatch.splice(0)) stop();
  });

  function fake(states: Record<string, string>, answer: (ids: string[]) => Map<string, JobUsage> | null) {
    const asked: string[][] = [];
    const slurm: SlurmQueries = {
      squeue: async (ids) => new Map(ids.filter((id) => states[id]).map((id) => [id, { state: states[id] ?? '', reason: null, exitCode: null, signal: null }])),
      finalStatus: async () => null,
      sstat: async (ids) => (asked.push(ids), answer(ids)),
    };
    return { slurm, asked };
  }
  const clock = { now: 0 };
  const watcherWith = (slurm: SlurmQueries): JobWatcher => new JobWatcher(5, slurm, 1000, () => clock.now);
  const onStatus = (): void => {};
  const onEnd = (): void => {};

  it('asks once for all running jobs, at most every interval, and hands each its usage', async () => {
    clock.now = 0;
    const { slurm, asked } = fake({ a: 'RUNNING', b: 'PENDING', c: 'RUNNING' }, (ids) => new Map(ids.map((id) => [id, usage({ batch: 1 }, 10)])));
    const watcher = watcherWith(slurm);
    const got: string[] = [];
    for (const id of ['a', 'b', 'c']) unwatch.push(watcher.watch(id, { onStatus, onEnd, onUsage: () => got.push(id) }));
    // A job nobody measures (no onUsage) is not asked about.
    unwatch.push(watcher.watch('d', { onStatus, onEnd }));
    // The first look at `a` asks at once, before the others are watched; the next question is for all of them.
    await waitFor('the first question', () => asked.length === 1);
    const polls = watcher.polls;
    await waitFor('more squeue ticks', () => watcher.polls >= polls + 5);
    expect(asked).toHaveLength(1);
    got.length = 0;
    clock.now = 1000;
    await waitFor('a reading of each running job', () => got.length === 2);
    expect(asked[1]).toEqual(['a', 'c']);
    expect(got.sort()).toEqual(['a', 'c']);
  });

  it('rests after three answers that say nothing of any job, and asks again after the rest', async () => {
    clock.now = 0;
    const { slurm, asked } = fake({ a: 'RUNNING' }, () => new Map());
    const watcher = watcherWith(slurm);
    unwatch.push(watcher.watch('a', { onStatus, onEnd, onUsage: () => {} }));
    for (let i = 1; i <= 3; i++) {
      await waitFor(`answer ${i}`, () => asked.length === i);
      clock.now += 1000;
    }
    const polls = watcher.polls;
    await waitFor('more squeue ticks', () => watcher.polls >= polls + 5);
    expect(asked).toHaveLength(3);
    clock.now += USAGE_REST_MS;
    await waitFor('a question after the rest', () => asked.length === 4);
    // Still nothing: straight back to resting.
    clock.now += 1000;
    const later = watcher.polls;
    await waitFor('more squeue ticks', () => watcher.polls >= later + 5);
    expect(asked).toHaveLength(4);
  });

  it('never asks again where there is no sstat', async () => {
    clock.now = 0;
    const { slurm, asked } = fake({ a: 'RUNNING' }, () => null);
    const watcher = watcherWith(slurm);
    unwatch.push(watcher.watch('a', { onStatus, onEnd, onUsage: () => {} }));
    await waitFor('the one question', () => asked.length === 1);
    clock.now += USAGE_REST_MS * 10;
    const polls = watcher.polls;
    await waitFor('more squeue ticks', () => watcher.polls >= polls + 5);
    expect(asked).toHaveLength(1);
  });
});

describe('sstat itself', () => {
  it('is null where there is no sstat on PATH, never an error', async () => {
    const PATH = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await sstat(['1'])).toBeNull();
    } finally {
      process.env.PATH = PATH;
    }
  });
});
