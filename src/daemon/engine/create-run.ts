import path from 'node:path';
import { resolvedNeeds } from '../../shared/stage-graph.js';
import type { LoadedPipeline } from '../../workspace/pipeline-files.js';
import { maxAttempts } from './retry-policy.js';
import { RunRecorder } from './run-recorder.js';
import { createRunFolder } from './run-folder.js';

// A new run's folder with its first event and metadata.json, status `queued`, ready for runPipeline.
export async function createRun(workspace: string, pipeline: LoadedPipeline, params: Record<string, string>): Promise<RunRecorder> {
  const { runId, dir } = await createRunFolder(workspace);
  const needs = resolvedNeeds(pipeline.spec.stages);
  const recorder = RunRecorder.create(dir, {
    type: 'run.created',
    run_id: runId,
    pipeline: pipeline.name,
    pipeline_file: pipelineFileRef(workspace, pipeline.file),
    params,
    // Outputs are recorded relative to the workspace, whatever the stage's cwd, as checkpoints record them.
    stages: pipeline.spec.stages.map((s, i) => ({
      id: s.id,
      needs: needs[i] ?? [],
      optional: s.optional,
      max_attempts: maxAttempts(s),
      outputs: s.outputs.map((o) => path.relative(workspace, path.resolve(workspace, s.cwd ?? '.', o)) || '.'),
    })),
  });
  await recorder.flush();
  return recorder;
}

// Relative to the workspace when the file lies inside it, so a moved workspace still resumes.
function pipelineFileRef(workspace: string, file: string): string {
  const relative = path.relative(workspace, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
