import { groupExists, killStageGroups } from '../engine/process-groups.js';
import type { RunManager } from './run-manager.js';

// A daemon whose stopping takes too long: what it still waits on, in words for daemon.log (the runs it holds, and
// for each the stage processes still alive, or when none are, the writing of its record), and, before it exits
// anyway, the end of those processes, so none outlives it.

/** The runs held and their stages' process groups, taken before stopping begins: stopping forgets the groups. */
export type Held = { runId: string; stages: { id: string; pgid: number }[] }[];

export function heldRuns(manager: RunManager): Held {
  return manager.liveRunIds().map((runId) => ({
    runId,
    stages: (manager.liveState(runId)?.stages ?? []).flatMap((s) => (s.pgid === null ? [] : [{ id: s.id, pgid: s.pgid }])),
  }));
}

export function describeShutdownWait(held: Held): string {
  const runs = held.map(({ runId, stages }) => {
    const alive = stages.filter((s) => groupExists(s.pgid)).map((s) => `stage ${s.id} (process group ${s.pgid} still alive)`);
    return `run ${runId}: ${alive.length ? alive.join(', ') : 'writing its record (metadata.json, events.ndjson)'}`;
  });
  return runs.length ? runs.join('; ') : 'no run (closing its servers and files)';
}

/** SIGKILL, at once, to those process groups (only those that still carry their run's id). */
export async function killLeftovers(held: Held): Promise<void> {
  await Promise.all(held.map(({ runId, stages }) => killStageGroups(runId, stages.map((s) => s.pgid), 0)));
}
