import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { applyEvent } from '../../src/shared/apply-event.js';
import type { RunEvent } from '../../src/shared/events.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';

// Run folders with chosen times, written as the engine writes them: events.ndjson and metadata.json, its fold
// through the one reducer. For what a test cannot wait for: a run that ended 40 days ago, one resumed 2 h later.

export type Step = [offsetMs: number, event: Record<string, unknown>];

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A run of `pipeline` with `stages`, its events at `t0` plus each offset. */
export async function writeRun(ws: string, runId: string, pipeline: string, t0: number, stages: string[], steps: Step[]): Promise<RunMetadata> {
  const created = { type: 'run.created', pipeline, params: { word: 'a' }, stages: stages.map((id) => ({ id, optional: false, max_attempts: 1, outputs: [] })) };
  let state: RunMetadata | null = null;
  const events: RunEvent[] = [];
  for (const [i, [offset, body]] of [[0, created] as Step, ...steps].entries()) {
    const event = { ...body, seq: i + 1, run_id: runId, at: new Date(t0 + offset).toISOString() } as RunEvent;
    events.push(event);
    state = applyEvent(state, event);
  }
  const dir = path.join(ws, 'runs', runId);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'events.ndjson'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  await writeFile(path.join(dir, 'metadata.json'), `${JSON.stringify(state, null, 2)}\n`);
  return state as RunMetadata;
}

/** A one-stage run that started at t0 and ended `took` later with `status`. */
export function ended(status: 'succeeded' | 'failed', took = 1000): Step[] {
  const end = status === 'succeeded' ? { type: 'stage.succeeded', stage: 0, outputs: [] } : { type: 'stage.failed', stage: 0, error: stageError() };
  const run = status === 'succeeded' ? { type: 'run.finished', status, error: null } : { type: 'run.finished', status, error: { code: 'ERR_STAGE_EXIT', message: 'exited with code 1', stage: 'a' } };
  return [
    [0, { type: 'run.started', runner_pid: 1 }],
    [0, { type: 'stage.started', stage: 0, attempt: 1, pgid: null }],
    [took, end],
    [took, run],
  ];
}

export const stageError = () => ({ code: 'ERR_STAGE_EXIT', message: 'exited with code 1', exit_code: 1, signal: null, stack: null, at: new Date(0).toISOString() });
