import type { Resources } from '../../shared/metadata-schema.js';
import { RESAY_MS, moved } from '../engine/stage-resources.js';
import type { JobUsage } from './slurm-cli.js';

// A Slurm job's sstat readings as its stage's resources, said as a local stage's are: when a row would show
// something new or ten seconds went by. sstat reports CPU time so far, not a rate: the rate is the CPU seconds
// between two readings over the wall time between them, so the first reading only notes where the job stood.

export interface JobResources {
  /** One sstat reading of the job. */
  reading(usage: JobUsage): void;
  /** The job ended: the last reading, if unsaid, is said now (the attempt's peak must not be lost). */
  stop(): void;
}

export function jobResources(emit: (r: Resources) => void, now: () => number = () => performance.now()): JobResources {
  // Each step's CPU seconds as last seen: a step that ended is gone from sstat's answer, not from the job's total.
  const cpuByStep = new Map<string, number>();
  let previous: { cpuS: number; at: number } | null = null;
  let peak = 0;
  let latest: Resources | null = null;
  let said: Resources | null = null;
  let saidAt = 0;
  return {
    reading(usage) {
      const at = now();
      for (const [step, s] of usage.cpuByStep) cpuByStep.set(step, Math.max(cpuByStep.get(step) ?? 0, s));
      let cpuS = 0;
      for (const s of cpuByStep.values()) cpuS += s;
      peak = Math.max(peak, usage.rssBytes, usage.maxRssBytes);
      const rate = previous && at > previous.at ? ((cpuS - previous.cpuS) / ((at - previous.at) / 1000)) * 100 : null;
      previous = { cpuS, at };
      latest = {
        cpu_pct: Math.round(Math.max(0, rate ?? 0)),
        rss_bytes: usage.rssBytes,
        peak_rss_bytes: peak,
        cpu_s: Math.round(cpuS * 10) / 10,
        gpu_bytes: null,
        peak_gpu_bytes: null,
      };
      // Without a rate the row would show 0 % for a busy job: kept for stop(), said from the second reading on.
      if (rate === null) return;
      if (said === null || moved(said, latest) || at - saidAt >= RESAY_MS) {
        emit(latest);
        said = latest;
        saidAt = at;
      }
    },
    stop() {
      if (latest && latest !== said) emit(latest);
    },
  };
}
