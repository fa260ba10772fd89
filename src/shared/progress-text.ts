import { formatBytes } from './bytes.js';
import type { Items, Job, Progress, Resources } from './metadata-schema.js';
import { progressBar } from './status-symbols.js';

// How a stage's progress reads in a row: its bar (when the total is known), its count, and the program's own rate
// when it printed one. Large counts (bytes, rows) are scaled so that a row stays short: `1.8M/3.4M`.

const SCALES: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** A count as a person reads it: whole numbers up to 9 999, then 12.3k, 1.8M, …; fractions to 2 places. */
export function countText(n: number): string {
  if (Math.abs(n) >= 10_000) {
    for (const [size, suffix] of SCALES) if (Math.abs(n) >= size) return `${trim(n / size, 1)}${suffix}`;
  }
  return Number.isInteger(n) ? String(n) : trim(n, 2);
}

const trim = (n: number, places: number): string => n.toFixed(places).replace(/\.?0+$/, '');

type Counted = Pick<Progress, 'current' | 'total'> & { unit?: string | null };

/** `45/100`, or `45` when the total is unknown; media time as a clock (`1:05/4:10`). */
export function progressCount(p: Counted): string {
  const text = p.unit === 'ms' ? clockText : countText;
  return p.total === null ? text(p.current) : `${text(p.current)}/${text(p.total)}`;
}

/** Media time as a player shows it: `0:05`, `12:40`, `1:02:03`. */
export function clockText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/**
 * `4.5/s` (a rate under one a second reads as `12s each`), or null when the program printed none. Media time a
 * second is a speed, as ffmpeg says it: `0.99x`.
 */
export function rateText(rate: number | null, unit: string | null = null): string | null {
  if (rate === null || !Number.isFinite(rate) || rate <= 0) return null;
  if (unit === 'ms') return `${trim(rate / 1000, rate >= 10_000 ? 1 : 2)}x`;
  return rate >= 1 ? `${countText(Number(rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)))}/s` : `${trim(1 / rate, 1)}s each`;
}

/** Bar, count and rate: `████░░░░ 45/100 4.5/s`; no bar for an unknown total. */
export function progressText(p: Counted & Pick<Progress, 'rate_per_s'>, barWidth: number, ascii = false): string {
  const parts = [p.total === null ? null : progressBar(p.current, p.total, barWidth, ascii), progressCount(p), rateText(p.rate_per_s, p.unit)];
  return parts.filter((part) => part !== null).join(' ');
}

/**
 * A stage's memory and CPU: `2.1 GiB 180%` while it runs (its whole process group; `gpu 3.2 GiB` after it where
 * nvidia-smi saw its processes hold GPU memory), `peak 2.3 GiB, 41s CPU` once it ended; null before it was
 * measured, except for a stage running elsewhere (a RUNNING Slurm job) with nothing to measure it by:
 * `mem unknown`, so an empty place is not read as "uses nothing".
 */
export function resourcesText(r: Resources | null, running: boolean, job: Pick<Job, 'state'> | null = null): string | null {
  if (!r) return running && job?.state === 'RUNNING' ? 'mem unknown' : null;
  const gpu = r.peak_gpu_bytes ? `gpu ${formatBytes(running ? (r.gpu_bytes ?? 0) : r.peak_gpu_bytes)}` : null;
  if (running) return [formatBytes(r.rss_bytes), `${Math.round(r.cpu_pct)}%`, gpu].filter(Boolean).join(' ');
  return [`peak ${formatBytes(r.peak_rss_bytes)}`, gpu, `${countText(Math.round(r.cpu_s * 10) / 10)}s CPU`].filter(Boolean).join(', ');
}

/**
 * A fan-out stage's items as a row says them: `items 734/1000 ✔ 730 ✖ 4` (done of all, succeeded, failed), with
 * `▶ 8` for those running while it runs.
 */
export function itemsText(items: Items, running: boolean, ascii = false): string {
  const done = items.succeeded + items.failed.length;
  const parts = [`items ${done}/${items.total}`, `${ascii ? 'ok' : '✔'} ${items.succeeded}`];
  if (items.failed.length > 0) parts.push(`${ascii ? 'x' : '✖'} ${items.failed.length}`);
  if (running && items.running.length > 0) parts.push(`${ascii ? '>' : '▶'} ${items.running.length}`);
  return parts.join(' ');
}
