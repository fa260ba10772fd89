import type { ParsedProgress } from './progress-parse.js';
import { clockMs, progressOf } from './progress-units.js';

// ffmpeg says how far it is in media time, and how long the input is only once, in its header
// (`  Duration: 00:00:05.00, start: …`, for file inputs; `N/A` for generated ones). Progress is media milliseconds
// done out of that Duration, and the rate is media milliseconds per second: `speed=0.99x` is 990.
// Two shapes: the stats line on stderr, rewritten with `\r` (`frame=… time=00:00:02.55 bitrate=… speed=0.98x`),
// and `-progress` blocks of key=value lines (out_time_us, speed, …) each ended by `progress=continue|end`.

const DURATION = /Duration: (?:(\d+:\d\d:\d\d(?:\.\d+)?)|N\/A)/;
// `out_time=` holds `time=` too; the stats line has a space or the line's start before it.
const TIME = /(?:^|\s)time=(-?)(\d+:\d\d:\d\d(?:\.\d+)?)/;
const SPEED = /(?:^|\s)speed= *(\d+(?:\.\d+)?)x/;
const KEY_VALUE = /^(out_time_us|out_time_ms|speed|progress)=(.*)$/;

export type FfmpegParser = (text: string) => ParsedProgress | null;

/** One per stage: the Duration seen on stderr is what a later `time=`, or `-progress` on stdout, is measured against. */
export function createFfmpegParser(): FfmpegParser {
  let durationMs: number | null = null;
  // The `-progress` block being read: its keys come one line at a time before its `progress=` line.
  let outTimeMs: number | null = null;
  let speed: number | null = null;

  const measured = (doneMs: number): ParsedProgress | null => {
    const left = durationMs === null || !speed ? null : Math.max(0, durationMs - doneMs) / speed;
    // speed has at most 3 decimals; rounding keeps 0.0142x from becoming 14.200000000000001 ms/s.
    const progress = progressOf(doneMs, durationMs, null, speed === null ? null : Math.round(speed * 1e6) / 1e3, left);
    return progress && { ...progress, unit: 'ms' };
  };

  return (text) => {
    if (!text.includes('=') && !text.includes('Duration: ')) return null;
    const pair = text.length < 64 ? KEY_VALUE.exec(text) : null;
    if (pair) {
      const [, key, value = ''] = pair;
      // Both keys hold microseconds: out_time_ms is misnamed (ffmpeg keeps it so for old readers).
      if (key === 'out_time_us' || key === 'out_time_ms') outTimeMs = /^\d+$/.test(value) ? Math.round(Number(value) / 1000) : null;
      else if (key === 'speed') speed = /^\d/.test(value) ? Number.parseFloat(value) : null;
      else if (outTimeMs !== null) return measured(outTimeMs);
      return null;
    }
    if (text.includes('Duration: ')) {
      // A stage may run ffmpeg once per file: each new header starts the count again.
      const duration = DURATION.exec(text);
      if (duration) durationMs = duration[1] ? clockMs(duration[1]) : null;
      return null;
    }
    const time = text.includes('time=') ? TIME.exec(text) : null;
    if (!time) return null;
    const speedMatch = SPEED.exec(text);
    speed = speedMatch ? Number(speedMatch[1]) : null;
    return measured(time[1] === '-' ? 0 : (clockMs(time[2] as string) ?? 0));
  };
}
