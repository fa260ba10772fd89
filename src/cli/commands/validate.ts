import path from 'node:path';
import { PipeError } from '../../shared/errors.js';
import { parsePipeline, pipelineProblems } from '../../shared/parse-pipeline.js';
import type { PipelineSpec, StageSpec } from '../../shared/pipeline-schema.js';
import { isGraph, needIndexes } from '../../shared/stage-graph.js';
import { listPipelineNames, loadPipeline, readPipelineFile } from '../../workspace/pipeline-files.js';
import { printJson } from '../cli-output.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

// Checks a pipeline without running it; a broken one exits 2 with every problem on its own line (with --json, as a
// list on stdout). It names a pipeline as `run` does: `hello` is pipelines/hello.yaml of the workspace, anything
// with a slash or an extension a file. The file is read as `run` reads it: a FIFO, a device or a file over 1 MiB is
// refused unread.
export async function validateCommand(ref: string, options: CommonOptions): Promise<number> {
  const isPath = ref.includes('/') || /\.(ya?ml|json)$/.test(ref);
  const workspace = resolveWorkspace(options);
  let shown = ref;
  let spec: PipelineSpec;
  let name: string;
  try {
    if (isPath) {
      spec = parsePipeline(await readPipelineFile(ref), ref);
      name = spec.name ?? path.basename(ref).replace(/\.(ya?ml|json)$/, '');
    } else {
      const loaded = await loadPipeline(workspace, ref);
      ({ spec, name } = loaded);
      // As typed from inside the workspace (pipelines/hello.yaml); from elsewhere, the whole path, not ../../…
      const relative = path.relative(process.cwd(), loaded.file);
      shown = relative && !relative.startsWith('..') ? relative : loaded.file;
    }
  } catch (error) {
    if (!options.json || !(error instanceof PipeError) || error.code !== 'ERR_PIPELINE_INVALID') throw error;
    // An invalid file is the answer asked for, not a failure of the command: JSON on stdout, and still exit 2.
    const file = isPath ? path.resolve(ref) : (await listPipelineNames(workspace)).find((n) => n.name === ref)?.file;
    printJson({ valid: false, file: file ?? ref, problems: pipelineProblems(error) });
    return 2;
  }
  if (options.json) printJson({ valid: true, name, stages: spec.stages.map((s) => s.id), params: Object.keys(spec.params) });
  else process.stdout.write(`${shown}: valid pipeline "${name}", ${spec.stages.length} stage${spec.stages.length > 1 ? 's' : ''}: ${stagesText(spec.stages)}\n`);
  return 0;
}

// A line of stages as `a → b → c`; a graph as each stage with what it needs (`c ← a, b`), and a fan-out marked.
function stagesText(stages: StageSpec[]): string {
  const needs = needIndexes(stages);
  const name = (s: StageSpec): string => (s.foreach ? `${s.id} (foreach)` : s.id);
  if (!isGraph(needs)) return stages.map(name).join(' → ');
  return stages.map((s, i) => ((needs[i] ?? []).length === 0 ? name(s) : `${name(s)} ← ${(needs[i] ?? []).map((n) => stages[n]?.id).join(', ')}`)).join('; ');
}
