import path from 'node:path';
import { ensureDaemon } from '../../client/daemon-launcher.js';
import { requireRun } from '../../workspace/run-reader.js';
import { printJson, saySlow } from '../cli-output.js';
import { followRun } from '../follow-run.js';
import { parseParamPairs } from '../param-pairs.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

export interface RerunOptions extends CommonOptions {
  param: string[];
  follow?: boolean;
}

// `pipe-tui rerun RUN [-p k=v]…`: a new run of the same pipeline (the file the run recorded, else its name), with
// the run's parameters as they were, the -p ones changed. The pipeline is read again, as a `run` would read it.
export async function rerunCommand(runId: string, options: RerunOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const old = await requireRun(workspace, runId);
  const pipeline = old.pipeline_file ? path.resolve(workspace, old.pipeline_file) : old.pipeline;
  const params = parseParamPairs(options.param, Object.assign(Object.create(null) as Record<string, string>, old.params));
  const connection = await ensureDaemon(workspace, { start: 'explicit', onSlow: saySlow });
  let newId: string;
  try {
    newId = (await connection.request({ command: 'run', pipeline, params })).run_id;
  } finally {
    connection.close();
  }
  if (options.follow) {
    if (!options.json) process.stdout.write(`${newId}\n`);
    return followRun(workspace, newId, options.json ?? false);
  }
  if (options.json) printJson({ run_id: newId, rerun_of: runId });
  else process.stdout.write(`${newId}\n`);
  return 0;
}
