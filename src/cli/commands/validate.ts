import path from 'node:path';
import { parsePipeline } from '../../shared/parse-pipeline.js';
import { readPipelineFile } from '../../workspace/pipeline-files.js';
import { printJson } from '../cli-output.js';
import type { CommonOptions } from '../workspace.js';

// Checks a pipeline file without running it; a broken one exits 2 with every problem on its own line. The file is
// read as `run` reads it: a FIFO, a device or a file over 1 MiB is refused unread.
export async function validateCommand(file: string, options: CommonOptions): Promise<number> {
  const text = await readPipelineFile(file);
  const spec = parsePipeline(text, file);
  const name = spec.name ?? path.basename(file).replace(/\.(ya?ml|json)$/, '');
  if (options.json) printJson({ valid: true, name, stages: spec.stages.map((s) => s.id), params: Object.keys(spec.params) });
  else process.stdout.write(`${file}: valid pipeline "${name}", ${spec.stages.length} stage${spec.stages.length > 1 ? 's' : ''}: ${spec.stages.map((s) => s.id).join(' → ')}\n`);
  return 0;
}
