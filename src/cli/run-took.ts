import { formatDuration } from '../shared/duration.js';
import { type RunTimes, wasIdle } from '../workspace/run-times.js';

/**
 * How long a run took, for `ls` and `status`: its running time, and beside it its clock time where the run sat
 * idle (failed until a resume, waiting for an approval): `16s (2h 05m wall)`. Empty before it started.
 */
export function tookText(times: RunTimes): string {
  if (times.wall_ms === null || times.active_ms === null) return '';
  return wasIdle(times) ? `${formatDuration(times.active_ms)} (${formatDuration(times.wall_ms)} wall)` : formatDuration(times.wall_ms);
}
