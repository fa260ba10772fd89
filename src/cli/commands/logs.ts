import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { PipeError } from '../../shared/errors.js';
import { type RunMetadata, isTerminal } from '../../shared/metadata-schema.js';
import { readRun, requireRun } from '../../workspace/run-reader.js';
import { stageLogPath } from '../../workspace/layout.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

const POLL_MS = 200;

export interface LogsOptions extends CommonOptions {
  follow?: boolean;
}

// A stage's log (default: the current or last stage). With -f and no stage named, it follows the run from
// stage to stage until the run ends.
export async function logsCommand(runId: string, stageRef: string | undefined, options: LogsOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  let run = await requireRun(workspace, runId);
  let index = stageRef === undefined ? run.current_state.stage : stageIndex(run, stageRef);
  let offset = 0;
  for (;;) {
    const stage = run.stages[index];
    if (!stage) return 0;
    offset = await copyFrom(stageLogPath(workspace, runId, stage), offset);
    if (!options.follow) return 0;
    if (stageRef === undefined && run.current_state.stage > index) {
      index++;
      offset = 0;
      continue;
    }
    if (isTerminal(run.status)) return 0;
    await new Promise((r) => setTimeout(r, POLL_MS));
    const read = await readRun(workspace, runId);
    if (read.ok) run = read.run;
  }
}

function stageIndex(run: RunMetadata, ref: string): number {
  const index = /^\d+$/.test(ref) ? Number(ref) : run.stages.findIndex((s) => s.id === ref);
  if (index < 0 || index >= run.stages.length) {
    throw new PipeError('ERR_STAGE_NOT_FOUND', `run ${run.run_id} has no stage ${JSON.stringify(ref)} (stages: ${run.stages.map((s) => s.id).join(', ')})`);
  }
  return index;
}

// Streams the file from `offset` to stdout (a 1 GB log costs no memory) and returns the new offset.
async function copyFrom(file: string, offset: number): Promise<number> {
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size <= offset) return offset;
  const stream = createReadStream(file, { start: offset, end: size - 1 });
  for await (const chunk of stream) {
    if (!process.stdout.write(chunk as Buffer)) await once(process.stdout, 'drain');
  }
  return size;
}

