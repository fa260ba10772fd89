import type { LoadedPipeline } from './pipeline-files.js';
import { maxAttempts } from './retry-policy.js';
import { RunRecorder } from './run-recorder.js';
import { createRunFolder } from './run-store.js';

// A new run's folder with its first event and metadata.json, status `queued`, ready for runPipeline.
export async function createRun(workspace: string, pipeline: LoadedPipeline, params: Record<string, string>): Promise<RunRecorder> {
  const { runId, dir } = await createRunFolder(workspace);
  const recorder = RunRecorder.create(dir, {
    type: 'run.created',
    run_id: runId,
    pipeline: pipeline.name,
    params,
    stages: pipeline.spec.stages.map((s) => ({ id: s.id, optional: s.optional, max_attempts: maxAttempts(s), outputs: s.outputs })),
  });
  await recorder.flush();
  return recorder;
}
