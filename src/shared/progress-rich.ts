import type { ParsedProgress } from './progress-parse.js';
import { clockMs, prefixFactor, progressOf } from './progress-units.js';

// rich draws its bar with these three characters whatever the colours, so once the escapes are gone a run of them
// followed by a space is where its columns start. The description column, if any, comes before it. The lookbehind
// starts a run only at its first character: a long run with no space after it fails once, not once per character.
const BAR = /(?<![━╸╺])[━╸╺]+ +/;
// rich.progress.track's columns after the bar: `45%`, the time left (`-:--:--` until it knows), then an optional
// MofNCompleteColumn `45/100`.
const PERCENT = /^(\d{1,3})%(?: +(-:--:--|\d+:\d\d:\d\d))?(?: +(\d+)\/(\d+))?/;
// pip's (DownloadColumn, TransferSpeedColumn, `eta`, TimeRemainingColumn): `1.2/3.4 MB 5.0 MB/s eta 0:00:01`.
const DOWNLOAD =
  /^([\d.,]+)\/([\d.,]+) (bytes|[kKMGTPEZY]i?B)(?: +(?:\?|([\d.,]+) ?(bytes?|[kKMGTPEZY]i?B)\/s))?(?: +eta +(-:--:--|\d+:\d\d:\d\d))?/;

/** rich's file sizes: `bytes`, decimal `kB`/`MB`, binary `KiB`/`MiB`. */
function bytesIn(amount: string, unit: string): number | null {
  const number = Number(amount.replace(/,/g, ''));
  if (unit.startsWith('byte')) return number;
  const factor = prefixFactor(unit[0] as string, unit[1] === 'i' ? 1024 : 1000);
  return factor === null ? null : Math.round(number * factor);
}

export function parseRich(text: string): ParsedProgress | null {
  // Every bar rich draws has at least one ━, empty or full.
  const bar = text.includes('━') ? BAR.exec(text) : null;
  if (!bar) return null;
  const message = text.slice(0, bar.index).trim();
  const tail = text.slice(bar.index + bar[0].length);
  const download = DOWNLOAD.exec(tail);
  if (download) {
    const [, done = '', size = '', unit = '', speed, speedUnit, eta = ''] = download;
    const rate = speed && speedUnit ? bytesIn(speed, speedUnit) : null;
    return progressOf(bytesIn(done, unit), bytesIn(size, unit), message, rate, clockMs(eta));
  }
  const percent = PERCENT.exec(tail);
  if (!percent) return null;
  const [, share = '', left = '', done, of] = percent;
  // Once the task is done, track()'s time column shows the time it took, not the time left.
  const remaining = Number(share) >= 100 ? 0 : clockMs(left);
  if (done !== undefined && of !== undefined) return progressOf(Number(done), Number(of), message, null, remaining);
  return progressOf(Number(share), 100, message, null, remaining);
}
