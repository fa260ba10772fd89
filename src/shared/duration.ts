import * as z from 'zod';

export const MAX_DURATION_MS = 2 ** 31 - 1;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

// Pipeline files write durations as `250ms`, `2s`, `10m`, `1h`; a bare number means seconds.
export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.round(text * 1000) : null;
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** zod type for a duration field: accepts `2s` and friends, yields milliseconds. */
export const Duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(value)} (write 250ms, 2s, 10m or 1h)` });
    return z.NEVER;
  }
  // Node's timers cannot wait longer than 2^31-1 ms; a longer one would fire at once.
  if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is longer than the 24 days a timer can wait` });
    return z.NEVER;
  }
  return ms;
});

// Human form for displays and logs: 850ms, 4.2s, 3m 05s, 1h 02m.
// The unit is picked after rounding, so 59.9 s shows as 1m 00s, never 60s. A span is never negative: one computed
// across two clocks (the daemon's event times, this machine's now) or drawn a moment early reads 0ms.
export function formatDuration(span: number): string {
  const ms = Math.max(0, span);
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  if (Math.round(ms / 100) < 100) return `${(ms / 1000).toFixed(1)}s`;
  if (Math.round(ms / 1000) < 60) return `${Math.round(ms / 1000)}s`;
  const totalS = Math.round(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m ${String(totalS % 60).padStart(2, '0')}s`;
  return `${Math.floor(totalS / 3600)}h ${String(Math.floor((totalS % 3600) / 60)).padStart(2, '0')}m`;
}

// How long ago, as a list shows it: to the second for the first minute, then to the minute (`4m`, `2h 05m`), then
// days. A coarser age needs a coarser clock: the TUI redraws an age once a second only while it reads in seconds.
export function formatAge(span: number): string {
  const ms = Math.max(0, span);
  if (ms < 60_000) return formatDuration(ms);
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d`;
}
