import type { ParsedProgress } from './progress-parse.js';
import { MAX_PROGRESS_NUMBER } from './stage-protocol.js';

// What the program styles share: their clocks, their SI prefixes, and one way to turn their numbers into a
// ParsedProgress that the rest of pipe-tui can trust (finite, in range, current never past total).

const PREFIXES = 'kMGTPEZY';

/** `k` → 1000 (or 1024 on a binary base), `''` → 1, anything else null. rich writes kilo as `K` in `KiB`. */
export function prefixFactor(prefix: string, base = 1000): number | null {
  if (prefix === '') return 1;
  const power = PREFIXES.indexOf(prefix === 'K' ? 'k' : prefix) + 1;
  return power > 0 && prefix.length === 1 ? base ** power : null;
}

/** Splits `MB` into `M` and `B`; a unit of one letter (`B`, `s`) or not starting with a prefix has none. */
export function splitPrefix(unit: string): [prefix: string, base: string] {
  return unit.length > 1 && PREFIXES.includes(unit[0] as string) ? [unit[0] as string, unit.slice(1)] : ['', unit];
}

const CLOCK = /^(?:(\d+):)?(\d+):(\d\d(?:\.\d+)?)$/;

/** `mm:ss`, `h:mm:ss` or `hh:mm:ss.cc` to milliseconds; `?` and `-:--:--` (not known yet) to null. */
export function clockMs(text: string): number | null {
  const match = CLOCK.exec(text);
  if (!match) return null;
  return Math.round((Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3])) * 1000);
}

const finiteAtLeastZero = (n: number | null): n is number => n !== null && Number.isFinite(n) && n >= 0;

/**
 * The one exit of every style. A count past the protocol's bound or not a number gives null, as a malformed
 * `::pipe:progress` line would; a total of 0 is unknown; a count past its total (ffmpeg's last `time=` is often a
 * frame beyond the Duration) is held at the total.
 */
export function progressOf(
  current: number | null,
  total: number | null,
  message: string | null,
  ratePerS: number | null = null,
  remainingMs: number | null = null,
): ParsedProgress | null {
  if (!finiteAtLeastZero(current) || current > MAX_PROGRESS_NUMBER) return null;
  const known = finiteAtLeastZero(total) && total > 0 && total <= MAX_PROGRESS_NUMBER ? total : null;
  return {
    current: known === null ? current : Math.min(current, known),
    total: known,
    message: message || null,
    rate_per_s: finiteAtLeastZero(ratePerS) ? ratePerS : null,
    remaining_ms: finiteAtLeastZero(remainingMs) ? Math.round(remainingMs) : null,
  };
}
