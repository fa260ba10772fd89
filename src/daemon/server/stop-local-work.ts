import type { RunMetadata, StageState } from '../../shared/metadata-schema.js';
import { type PipelineSpec, stageExecutor } from '../../shared/pipeline-schema.js';
import { killStageGroups, stageProcessGroups } from '../engine/process-groups.js';
import { scancelByName } from '../slurm/slurm-cli.js';
import { jobName } from '../slurm/slurm-executor.js';

const ACTIVE = new Set<StageState['status']>(['running', 'retrying', 'awaiting_approval']);

/**
 * Stops what a run's active stages run, but for a stage's own Slurm job (taken up again by the next daemon): each
 * local stage's process group, and a fan-out's items, whose groups its state does not record (a local fan-out's
 * found by their variables, a Slurm fan-out's item jobs by their name). Used as a daemon stops under the run, and
 * as a later one recovers it.
 */
export async function stopLocalWork(state: RunMetadata, pipeline: PipelineSpec | null, graceMs: number): Promise<void> {
  const runId = state.run_id;
  const groups = new Set<number>();
  for (const stage of state.stages) {
    if (!ACTIVE.has(stage.status)) continue;
    if (stage.pgid !== null && !stage.job) groups.add(stage.pgid);
    if (!stage.items) continue;
    const spec = pipeline?.stages[stage.index];
    if (pipeline && spec && stageExecutor(pipeline, spec) === 'slurm') await scancelByName(jobName(runId, stage.id));
    else for (const group of stageProcessGroups(runId, stage.index)) groups.add(group);
  }
  await killStageGroups(runId, [...groups], graceMs);
}
