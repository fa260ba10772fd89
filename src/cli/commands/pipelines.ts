import path from 'node:path';
import { formatDuration } from '../../shared/duration.js';
import { toPipeError } from '../../shared/errors.js';
import type { RunSummary } from '../../shared/metadata-schema.js';
import { statusSymbol } from '../../shared/status-symbols.js';
import { listPipelineNames, loadPipeline } from '../../workspace/pipeline-files.js';
import { listAllRuns } from '../../workspace/run-listing.js';
import { printJson } from '../cli-output.js';
import { table } from '../table.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

interface Listed {
  name: string;
  file: string;
  description: string | null;
  stages: string[];
  params: string[];
  last_run: { run_id: string; status: string; created_at: string } | null;
  /** A file that does not read as a pipeline: listed with its code, not hidden and not fatal. */
  error: { code: string; message: string } | null;
}

// `pipe-tui pipelines`: what can be run here, each with its last run. Every file of pipelines/ is read as `run`
// reads it; the runs are listed once, newest first, so each pipeline's first is its last run.
export async function pipelinesCommand(options: CommonOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const last = new Map<string, Pick<RunSummary, 'run_id' | 'status' | 'created_at'>>();
  for (const read of await listAllRuns(workspace)) {
    if (read.ok && !last.has(read.run.pipeline)) last.set(read.run.pipeline, read.run);
  }
  const listed: Listed[] = [];
  for (const { name, file } of await listPipelineNames(workspace)) {
    const relative = path.relative(workspace, file);
    try {
      const pipeline = await loadPipeline(workspace, name);
      const run = last.get(pipeline.name);
      listed.push({
        name: pipeline.name,
        file: relative,
        description: pipeline.spec.description ?? null,
        stages: pipeline.spec.stages.map((s) => s.id),
        params: Object.keys(pipeline.spec.params),
        last_run: run ? { run_id: run.run_id, status: run.status, created_at: run.created_at } : null,
        error: null,
      });
    } catch (thrown) {
      const error = toPipeError(thrown);
      listed.push({ name, file: relative, description: null, stages: [], params: [], last_run: null, error: { code: error.code, message: error.message.split('\n')[0] as string } });
    }
  }
  if (options.json) {
    printJson(listed);
    return 0;
  }
  if (listed.length === 0) {
    process.stdout.write(`no pipelines in ${path.join(workspace, 'pipelines')} yet: write one (docs/pipelines.md), then pipe-tui validate it\n`);
    return 0;
  }
  const now = Date.now();
  const rows = listed.map((p) => {
    if (p.error) return [p.name, '!', p.error.code, p.error.message];
    const lastRun = p.last_run ? `${statusSymbol(p.last_run.status as RunSummary['status'])} ${p.last_run.status} ${formatDuration(Math.max(0, now - Date.parse(p.last_run.created_at)))} ago` : 'never run';
    return [p.name, String(p.stages.length), lastRun, p.description ?? ''];
  });
  process.stdout.write(`${table([['PIPELINE', 'STAGES', 'LAST RUN', 'DESCRIPTION'], ...rows])}\n`);
  return 0;
}
