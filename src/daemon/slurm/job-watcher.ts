import { FINAL_STATES, type FinalStatus, type JobStatus, finalStatus, squeue } from './slurm-cli.js';

export interface WatchedJob {
  /** Every change of state or reason while the job is queued or running. */
  onStatus: (status: JobStatus) => void;
  /** Once, when the job has ended: its final state and exit. */
  onEnd: (status: FinalStatus) => void;
}

/** How often Slurm is asked about every watched job at once. */
export const POLL_MS = 1000;

/** Neither squeue, scontrol nor the completion log knows the job this many times running: it is lost. */
const LOST_AFTER = 10;
const LOST: FinalStatus = { state: 'LOST', reason: 'Slurm no longer knows the job', exitCode: null, signal: null };

// One poll for all the daemon's jobs: a single `squeue -j id,id,…` a tick, however many stages run on the cluster,
// then `scontrol`/`sacct -c` only for a job that has ended, for its exit code.
export class JobWatcher {
  private readonly jobs = new Map<string, { watched: WatchedJob; last: string | null; misses: number }>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  /** squeue calls made, for the cost figures of the 200-job benchmark. */
  polls = 0;

  constructor(private readonly intervalMs = POLL_MS) {}

  watch(id: string, watched: WatchedJob): () => void {
    this.jobs.set(id, { watched, last: null, misses: 0 });
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
    // A first look at once: a job submitted or adopted should not wait a whole tick to show its state.
    void this.poll();
    return () => this.forget(id);
  }

  get size(): number {
    return this.jobs.size;
  }

  private forget(id: string): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.jobs.size === 0) return;
    this.polling = true;
    try {
      const ids = [...this.jobs.keys()];
      this.polls++;
      const listed = await squeue(ids);
      for (const id of ids) {
        const job = this.jobs.get(id);
        if (!job) continue;
        const status = listed.get(id);
        if (status && !FINAL_STATES.has(status.state)) {
          const key = `${status.state}|${status.reason ?? ''}`;
          if (key !== job.last) {
            job.last = key;
            job.watched.onStatus(status);
          }
          continue;
        }
        // Ended: squeue gave its exit; gone from slurmctld's memory: scontrol, else the completion log (sacct -c).
        const final = status ?? (await finalStatus(id)) ?? (++job.misses >= LOST_AFTER ? LOST : null);
        if (!final || !FINAL_STATES.has(final.state)) continue;
        this.forget(id);
        job.watched.onEnd(final);
      }
    } catch {
      // Slurm did not answer this time (slurmctld restarting): the next tick asks again.
    } finally {
      this.polling = false;
    }
  }
}
