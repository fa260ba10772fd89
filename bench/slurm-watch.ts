import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { slurmAvailable } from '../src/daemon/slurm/slurm-cli.js';
import type { RunMetadata } from '../src/shared/metadata-schema.js';
import { procStatusKb } from './tui-harness.js';
import { type BenchResult, cpuSeconds, median, monotonicMs, pause, withDaemon, withWorkspace } from './bench-helpers.js';

// How many Slurm stages one daemon can watch: 200 runs whose one stage is a Slurm job, almost all of them PENDING
// on the one-node Slurm, watched for a while: the daemon's CPU, its memory, and what one batched squeue costs
// against one squeue per job.

const JOBS = 200;
const WATCH_S = 20;

async function stageOf(ws: string, runId: string): Promise<RunMetadata['stages'][number] | null> {
  const text = await readFile(path.join(ws, 'runs', runId, 'metadata.json'), 'utf8').catch(() => null);
  return text ? ((JSON.parse(text) as RunMetadata).stages[0] ?? null) : null;
}

export async function slurmWatch(): Promise<BenchResult> {
  if (!(await slurmAvailable())) throw new Error('slurm-watch needs a running Slurm: sudo ../shared/slurm/start-slurm.sh');
  return withWorkspace('slurm-watch', async (ws) => {
    await writeFile(path.join(ws, 'pipelines', 'held.yaml'), "executor: slurm\nstages:\n  - id: wait\n    run: 'sleep 600'\n");
    return withDaemon(ws, ['--concurrency', String(JOBS)], async (daemon) => {
      const connection = await daemon.connect();
      const submitStart = monotonicMs();
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) ids.push((await connection.request({ command: 'run', pipeline: 'held', params: {} })).run_id);
      // Every run's job id known: all submitted.
      const jobs = new Map<string, string>();
      while (jobs.size < JOBS) {
        for (const id of ids) {
          if (jobs.has(id)) continue;
          const job = (await stageOf(ws, id))?.job;
          if (job) jobs.set(id, job.id);
        }
        if (monotonicMs() - submitStart > 120_000) throw new Error(`only ${jobs.size} of ${JOBS} jobs submitted in 120 s`);
        await pause(200);
      }
      const submitS = (monotonicMs() - submitStart) / 1000;
      await pause(2000);
      const cpu0 = cpuSeconds(daemon.pid);
      const t0 = monotonicMs();
      await pause(WATCH_S * 1000);
      const cpuShare = (cpuSeconds(daemon.pid) - cpu0) / ((monotonicMs() - t0) / 1000);
      const rssMb = procStatusKb(daemon.pid, 'VmRSS') / 1024;
      const states = await Promise.all(ids.slice(0, 20).map((id) => stageOf(ws, id)));
      const pending = (await execa('squeue', ['-h', '-t', 'PENDING', '-o', '%i'])).stdout.split('\n').filter(Boolean).length;

      // What the watcher does each tick, and what one squeue per job would do instead.
      const list = [...jobs.values()];
      const batched: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = monotonicMs();
        await execa('squeue', ['-h', '-t', 'all', '-j', list.join(','), '-O', 'JobID:|,State:|,Reason:|,exit_code:']);
        batched.push(monotonicMs() - s);
      }
      const single: number[] = [];
      for (const id of list.slice(0, 20)) {
        const s = monotonicMs();
        await execa('squeue', ['-h', '-t', 'all', '-j', id, '-O', 'JobID:|,State:|,Reason:|,exit_code:']);
        single.push(monotonicMs() - s);
      }
      const cancelStart = monotonicMs();
      await Promise.all(ids.map((id) => connection.request({ command: 'cancel', run_id: id }).catch(() => undefined)));
      const cancelS = (monotonicMs() - cancelStart) / 1000;
      connection.close();
      const reasons = [...new Set(states.map((s) => s?.job?.reason).filter(Boolean))].join(', ');
      return {
        name: 'slurm-watch',
        title: `One daemon watching ${JOBS} Slurm stages (${JOBS} runs, their jobs pending on a one-node Slurm)`,
        figures: [
          { key: 'daemon_cpu_pct', label: `daemon CPU over ${WATCH_S} s of watching`, value: cpuShare * 100, unit: '%', digits: 1 },
          { key: 'daemon_rss_mb', label: 'daemon RSS', value: rssMb, unit: 'MB', digits: 0 },
          { key: 'squeue_batched_ms', label: `one squeue for all ${JOBS} jobs (the watcher's tick)`, value: median(batched), unit: 'ms', digits: 0 },
          { key: 'squeue_per_job_ms', label: 'one squeue for one job', value: median(single), unit: 'ms', digits: 0 },
          { key: 'per_job_tick_ms', label: `a tick of one squeue per job, ${JOBS} jobs (extrapolated)`, value: median(single) * JOBS, unit: 'ms', digits: 0 },
          { key: 'submit_s', label: `${JOBS} runs queued → every job id recorded`, value: submitS, unit: 's', digits: 1 },
          { key: 'cancel_s', label: `cancel all ${JOBS} runs (scancel each)`, value: cancelS, unit: 's', digits: 1 },
        ],
        notes: [
          `${pending} jobs PENDING while measured (reasons seen: ${reasons || 'none'}); the watcher polls every 1 s with one \`squeue -h -t all -j <ids>\`, which also gives an ended job's exit code; scontrol (else sacct -c) only for a job slurmctld no longer holds`,
        ],
      };
    });
  });
}
