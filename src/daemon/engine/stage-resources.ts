import type { Resources } from '../../shared/metadata-schema.js';
import { type ResourceSampler, resourceSampler } from './resource-sampler.js';

// A running stage's CPU and memory as events: the sampler measures its process group about once a second, and an
// event is emitted only when a row would show something new (memory moved by 5 %, CPU by 10 points, a new peak)
// or ten seconds went by, so fifty busy stages add a few events a second, not fifty.

/** A reading is said again after about this long even if nothing moved: the row's figures stay fresh. */
export const RESAY_MS = 10_000;

export interface ResourceTracking {
  /** Stops measuring; the last reading, if unsaid, is said now (the attempt's peak must not be lost). */
  stop(): void;
}

export function trackResources(pgid: number, emit: (r: Resources) => void, sampler: ResourceSampler = resourceSampler, now: () => number = () => performance.now()): ResourceTracking {
  let said: Resources | null = null;
  let saidAt = 0;
  let latest: Resources | null = null;
  let cpuS = 0;
  let peak = 0;
  let peakGpu: number | null = null;
  // Stages started together would say their readings again in the same second, every ten: spread them out.
  const resay = RESAY_MS * (0.75 + Math.random() * 0.5);
  const unwatch = sampler.watch(pgid, (usage) => {
    const at = now();
    cpuS += usage.cpu_s;
    peak = Math.max(peak, usage.rss_bytes);
    if (usage.gpu_bytes !== null) peakGpu = Math.max(peakGpu ?? 0, usage.gpu_bytes);
    latest = {
      cpu_pct: usage.cpu_pct,
      rss_bytes: usage.rss_bytes,
      peak_rss_bytes: peak,
      cpu_s: Math.round(cpuS * 10) / 10,
      gpu_bytes: usage.gpu_bytes,
      peak_gpu_bytes: peakGpu,
    };
    if (said === null || moved(said, latest) || at - saidAt >= resay) {
      emit(latest);
      said = latest;
      saidAt = at;
    }
  });
  return {
    stop() {
      unwatch();
      if (latest && latest !== said) emit(latest);
    },
  };
}

/** Whether a row would show something new: memory moved by 5 %, CPU by 10 points, a new peak. */
export function moved(said: Resources, now: Resources): boolean {
  const memory = Math.abs(now.rss_bytes - said.rss_bytes) > 0.05 * Math.max(said.rss_bytes, 1 << 20);
  const gpu = Math.abs((now.gpu_bytes ?? 0) - (said.gpu_bytes ?? 0)) > 0.05 * Math.max(said.gpu_bytes ?? 0, 1 << 20);
  return memory || gpu || Math.abs(now.cpu_pct - said.cpu_pct) >= 10 || now.peak_rss_bytes > said.peak_rss_bytes * 1.05;
}
