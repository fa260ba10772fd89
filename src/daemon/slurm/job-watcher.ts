import { FINAL_STATES, type FinalStatus, type JobStatus, type JobUsage, finalStatus, squeue, sstat } from './slurm-cli.js';

export interface WatchedJob {
  /** Every change of state or reason while the job is queued or running. */
  onStatus: (status: JobStatus) => void;
  /** Once, when the job has ended: its final state and exit. */
  onEnd: (status: FinalStatus) => void;
  /** What the job uses, about every USAGE_MS while it runs, where sstat answers for it. */
  onUsage?: (usage: JobUsage) => void;
}

/** The Slurm commands the watcher asks; the real ones unless a test stands in for them. */
export interface SlurmQueries {
  squeue: typeof squeue;
  finalStatus: typeof finalStatus;
  sstat: typeof sstat;
}

/** How often Slurm is asked about every watched job at once. */
export const POLL_MS = 1000;
/** How often sstat is asked about every running job at once: it reaches each job's node, so far less often. */
export const USAGE_MS = 5000;

/** Neither squeue, scontrol nor the completion log knows the job this many times running: it is lost. */
const LOST_AFTER = 10;
const LOST: FinalStatus = { state: 'LOST', reason: 'Slurm no longer knows the job', exitCode: null, signal: null };

/**
 * sstat answering for none of the running jobs this many times running is a cluster that gathers no accounting
 * (jobacct_gather/none): it is then asked once a USAGE_REST_MS, in case that changes, and never again without sstat.
 */
const USAGE_MISSES = 3;
export const USAGE_REST_MS = 10 * 60_000;

interface Entry {
  watched: WatchedJob;
  last: string | null;
  state: string | null;
  misses: number;
}

// One poll for all the daemon's jobs: a single `squeue -j id,id,…` a tick, however many stages run on the cluster,
// then `scontrol`/`sacct -c` only for a job that has ended, for its exit code. Usage is a single `sstat` for all
// running jobs, off the squeue tick so a slow node never holds up the states.
export class JobWatcher {
  private readonly jobs = new Map<string, Entry>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private usageAsking = false;
  private usageDueAt = Number.NEGATIVE_INFINITY;
  private usageMisses = 0;
  /** squeue calls made, for the cost figures of the 200-job benchmark. */
  polls = 0;
  /** sstat calls made. */
  usagePolls = 0;

  constructor(
    private readonly intervalMs = POLL_MS,
    private readonly slurm: SlurmQueries = { squeue, finalStatus, sstat },
    private readonly usageMs = USAGE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  watch(id: string, watched: WatchedJob): () => void {
    this.jobs.set(id, { watched, last: null, state: null, misses: 0 });
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
      const listed = await this.slurm.squeue(ids);
      for (const id of ids) {
        const job = this.jobs.get(id);
        if (!job) continue;
        const status = listed.get(id);
        if (status && !FINAL_STATES.has(status.state)) {
          job.state = status.state;
          const key = `${status.state}|${status.reason ?? ''}`;
          if (key !== job.last) {
            job.last = key;
            job.watched.onStatus(status);
          }
          continue;
        }
        // Ended: squeue gave its exit; gone from slurmctld's memory: scontrol, else the completion log (sacct -c).
        const final = status ?? (await this.slurm.finalStatus(id)) ?? (++job.misses >= LOST_AFTER ? LOST : null);
        if (!final || !FINAL_STATES.has(final.state)) continue;
        this.forget(id);
        job.watched.onEnd(final);
      }
    } catch {
      // Slurm did not answer this time (slurmctld restarting): the next tick asks again.
    } finally {
      this.polling = false;
    }
    this.askUsage();
  }

  private askUsage(): void {
    const at = this.now();
    if (this.usageAsking || at < this.usageDueAt) return;
    const ids = [...this.jobs].filter(([, job]) => job.state === 'RUNNING' && job.watched.onUsage).map(([id]) => id);
    if (ids.length === 0) return;
    this.usageAsking = true;
    this.usageDueAt = at + this.usageMs;
    this.usagePolls++;
    void this.slurm
      .sstat(ids)
      .then((found) => {
        if (found === null) {
          this.usageDueAt = Number.POSITIVE_INFINITY;
          return;
        }
        let answered = false;
        for (const id of ids) {
          const usage = found.get(id);
          const job = this.jobs.get(id);
          if (!usage || !job) continue;
          answered = true;
          job.watched.onUsage?.(usage);
        }
        if (answered) this.usageMisses = 0;
        else if (++this.usageMisses >= USAGE_MISSES) this.usageDueAt = this.now() + USAGE_REST_MS;
      })
      .catch(() => {
        // A reading is only a reading: the next one comes in USAGE_MS.
      })
      .finally(() => {
        this.usageAsking = false;
      });
  }
}
