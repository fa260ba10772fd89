import { unsettledRunIds } from './run-listing.js';
import { readRun } from './run-reader.js';

// The runs a daemon holds, read from their folders (every status change reaches metadata.json at once), so that a
// daemon that does not answer (stopped with SIGSTOP, stuck) can still be told what stopping it would do.

export interface HeldRun {
  run_id: string;
  pipeline: string;
  status: 'queued' | 'running' | 'awaiting_approval';
  /** The stage it is at. */
  stage: string;
  /**
   * What a stop does to it: `interrupted` (its stage stopped; resume it later), `left` (its stage is a Slurm job,
   * left running for the next daemon to take up), `requeued` (it never started; the next daemon starts it).
   */
  onStop: 'interrupted' | 'left' | 'requeued';
}

/** Queued runs, and runs running or waiting for approval under daemon `pid`; newest first. */
export async function daemonRuns(workspace: string, pid: number): Promise<HeldRun[]> {
  const live = await unsettledRunIds(workspace);
  const held: HeldRun[] = [];
  for (const runId of live) {
    const read = await readRun(workspace, runId);
    if (!read.ok) continue;
    const run = read.run;
    const stage = run.stages[run.current_state.stage]?.id ?? '';
    if (run.status === 'queued') held.push({ run_id: runId, pipeline: run.pipeline, status: 'queued', stage, onStop: 'requeued' });
    // A run of another process (`run --foreground`) goes on whatever happens to the daemon.
    else if (run.runner_pid === pid && (run.status === 'running' || run.status === 'awaiting_approval')) {
      const slurm = run.stages.some((s) => s.status === 'running' && s.job !== null);
      held.push({ run_id: runId, pipeline: run.pipeline, status: run.status, stage, onStop: slurm ? 'left' : 'interrupted' });
    }
  }
  return held;
}
