import { execFile } from 'node:child_process';

// GPU memory per process, where an NVIDIA driver is there to ask: `nvidia-smi --query-compute-apps` lists each
// process holding GPU memory and how much. Asked far less often than /proc is read (spawning nvidia-smi costs tens
// of milliseconds, more without persistence mode), off the sampler's pass, and never again on a machine without it.

/** Bytes of GPU memory each process holds, by pid (summed over GPUs). */
export type GpuTable = Map<number, number>;
/** One reading of the whole machine, or why there is none (`missing`: no nvidia-smi on PATH at all). */
export type GpuQuery = () => Promise<{ table: GpuTable } | { missing: boolean }>;

const MIB = 1024 * 1024;

/** `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits`: lines of `pid, MiB`. */
export function parseComputeApps(text: string): GpuTable {
  const table: GpuTable = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    table.set(pid, (table.get(pid) ?? 0) + Number(m[2]) * MIB);
  }
  return table;
}

export const queryNvidiaSmi: GpuQuery = () =>
  new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { timeout: 10_000 }, (error, stdout) => {
      if (!error) resolve({ table: parseComputeApps(String(stdout)) });
      else resolve({ missing: (error as NodeJS.ErrnoException).code === 'ENOENT' });
    });
  });

/** After this many failed answers in a row (nvidia-smi there but no driver, say), it rests this long. */
const GIVE_UP_AFTER = 3;
const REST_MS = 10 * 60_000;

/** The latest GPU reading, refreshed in the background at most every `everyMs` while someone keeps asking. */
export class GpuWatch {
  private latest: GpuTable | null = null;
  private askedAt = Number.NEGATIVE_INFINITY;
  private asking = false;
  private failures = 0;
  private gaveUp = false;

  constructor(
    private readonly query: GpuQuery = queryNvidiaSmi,
    private readonly everyMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The last table read (null before the first answer, and where there is no GPU to ask); asks again when due. */
  poll(): GpuTable | null {
    if (this.gaveUp) return null;
    const at = this.now();
    if (!this.asking && at - this.askedAt >= this.everyMs) {
      this.asking = true;
      this.askedAt = at;
      void this.query().then((answer) => {
        this.asking = false;
        if ('table' in answer) {
          this.latest = answer.table;
          this.failures = 0;
        } else if (answer.missing) {
          this.gaveUp = true;
          this.latest = null;
        } else if (++this.failures >= GIVE_UP_AFTER) {
          // A driver being reloaded answers again later: asked once more after a rest, not never.
          this.failures = 0;
          this.latest = null;
          this.askedAt = at + REST_MS - this.everyMs;
        }
      });
    }
    return this.latest;
  }
}
