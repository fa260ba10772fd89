import type { ParsedProgress } from './progress-parse.js';
import { clockMs, prefixFactor, progressOf, splitPrefix } from './progress-units.js';

// tqdm's two default layouts (tqdm/std.py, format_meter), after its `desc: ` prefix:
//   with a total:  `45%|██▌      | 45/100 [00:10<00:12,  4.50it/s, loss=0.3]`
//   without one:   `45it [00:10,  4.50it/s]`
// With unit_scale the counts carry an SI prefix (`1.20M/3.40M`) and the rate both it and the unit (`3.99MB/s`).
// No two neighbouring parts can take the same characters (the postfix starts at a comma, the unit at a non-digit),
// so a frame that almost matches fails in linear time, never by trying every split of it.
const WITH_TOTAL =
  /(\d{1,3})%\|[^|]*\| *(\d+(?:\.\d+)?)([kMGTPEZY]?)\/(\d+(?:\.\d+)?)([kMGTPEZY]?) \[\d+:\d\d(?::\d\d)?<([^,\]]*), *([^,\]]*)((?:,[^\]]*)?)\]/;
const NO_TOTAL = /(?:^|\s)(\d+(?:\.\d+)?)((?:[^\d\s.]\S*)?) \[\d+:\d\d(?::\d\d)?, *([^,\]]*)((?:,[^\]]*)?)\]/;

// `4.50it/s`, `3.99MB/s`, `?it/s`; below one a second tqdm turns it over: `1.50s/it`.
const PER_SECOND = /^(\?|\d+(?:\.\d+)?)((?:[^\d\s.]\S*)?)\/s$/;
const SECONDS_PER = /^(\?|\d+(?:\.\d+)?)([kMGTPEZY]?)s\/\S+$/;

interface Rate {
  perS: number | null;
  /** The counts' SI base: 1024 for tqdm's `unit='iB', unit_divisor=1024` idiom, which is all that shows it. */
  base: number;
}

function rateOf(token: string): Rate | null {
  const perSecond = PER_SECOND.exec(token);
  if (perSecond) {
    const [prefix, unit] = splitPrefix(perSecond[2] as string);
    const base = unit === 'iB' ? 1024 : 1000;
    return { perS: perSecond[1] === '?' ? null : scaled(perSecond[1] as string, prefix, base), base };
  }
  const secondsPer = SECONDS_PER.exec(token);
  if (!secondsPer) return null;
  const seconds = secondsPer[1] === '?' ? null : scaled(secondsPer[1] as string, secondsPer[2] as string, 1000);
  return { perS: seconds ? 1 / seconds : null, base: 1000 };
}

function scaled(number: string, prefix: string, base: number): number | null {
  const factor = prefixFactor(prefix, base);
  if (factor === null) return null;
  // 1.1 * 1e6 is 1100000.0000000002: a scaled count is a whole number of units.
  return factor === 1 ? Number(number) : Math.round(Number(number) * factor);
}

/** The `desc` before the bar (tqdm adds `: `) and the postfix after the rate, as the stage's message. */
function messageOf(before: string, postfix: string): string | null {
  const trimmed = before.trim();
  const desc = trimmed.endsWith(':') ? trimmed.slice(0, -1) : trimmed;
  const extra = postfix.replace(/^,\s*/, '').trim();
  return desc && extra ? `${desc} ${extra}` : desc || extra || null;
}

export function parseTqdm(text: string): ParsedProgress | null {
  if (!text.includes(' [') || !(text.includes('/s') || text.includes('s/'))) return null;
  const full = WITH_TOTAL.exec(text);
  if (full) {
    const rate = rateOf(full[7] as string);
    const base = rate?.base ?? 1000;
    return progressOf(
      scaled(full[2] as string, full[3] as string, base),
      scaled(full[4] as string, full[5] as string, base),
      messageOf(text.slice(0, full.index), full[8] as string),
      rate?.perS ?? null,
      clockMs(full[6] as string),
    );
  }
  const open = NO_TOTAL.exec(text);
  // Without the bar the layout is loose enough to be a log line: only a real tqdm rate makes it one.
  const rate = open ? rateOf(open[3] as string) : null;
  if (!open || !rate) return null;
  const [prefix] = splitPrefix(open[2] as string);
  return progressOf(scaled(open[1] as string, prefix, rate.base), null, messageOf(text.slice(0, open.index), open[4] as string), rate.perS);
}
