// How long a run took, two ways: on the clock (its first start to its end, or now) and running (the time its
// stages ran, retries and their waits included). They differ where the run sat idle: failed or interrupted until
// a resume, or waiting for an approval. Read from metadata.json's JSON as it is, unchecked by the schema, so that a
// listing of thousands of runs pays no stage validation for it; anything not a number counts as nothing.

export interface RunTimes {
  /** From the first start to the end (or `now`); null before it starts. */
  wall_ms: number | null;
  /** The sum of its stages' durations (a running stage: so far); null before it starts. */
  active_ms: number | null;
}

/** Idle time worth showing: more than this, and more than a tenth of the wall time (stage start-up is not idle). */
const IDLE_MS = 1000;

type Json = Record<string, unknown>;
const time = (value: unknown): number | null => (typeof value === 'string' && Number.isFinite(Date.parse(value)) ? Date.parse(value) : null);

export function runTimes(run: unknown, now: number): RunTimes {
  const json = (run ?? {}) as Json;
  const started = time(json.started_at);
  if (started === null) return { wall_ms: null, active_ms: null };
  // A clock stepped back (or another machine's) never makes a negative duration.
  const wall = Math.max(0, (time(json.ended_at) ?? now) - started);
  let active = 0;
  for (const stage of Array.isArray(json.stages) ? (json.stages as Json[]) : []) {
    if (typeof stage?.duration_ms === 'number' && Number.isFinite(stage.duration_ms)) active += Math.max(0, stage.duration_ms);
    else if ((stage?.status === 'running' || stage?.status === 'retrying') && time(stage.started_at) !== null) {
      active += Math.max(0, now - (time(stage.started_at) as number));
    }
  }
  return { wall_ms: wall, active_ms: Math.min(active, wall) };
}

/** Whether the run sat idle long enough that its running time should be shown apart from its clock time. */
export function wasIdle(times: RunTimes): boolean {
  if (times.wall_ms === null || times.active_ms === null) return false;
  const idle = times.wall_ms - times.active_ms;
  return idle > IDLE_MS && idle > times.wall_ms / 10;
}
