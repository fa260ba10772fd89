import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../../shared/errors.js';
import { parsePipeline } from '../../shared/parse-pipeline.js';
import { printJson } from '../cli-output.js';
import type { CommonOptions } from '../workspace.js';

// Checks a pipeline file without running it; a broken one exits 2 with every problem on its own line.
export async function validateCommand(file: string, options: CommonOptions): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new PipeError('ERR_PIPELINE_NOT_FOUND', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, { cause });
  }
  const spec = parsePipeline(text, file);
  const name = spec.name ?? path.basename(file).replace(/\.(ya?ml|json)$/, '');
  if (options.json) printJson({ valid: true, name, stages: spec.stages.map((s) => s.id), params: Object.keys(spec.params) });
  else process.stdout.write(`${file}: valid pipeline "${name}", ${spec.stages.length} stage${spec.stages.length > 1 ? 's' : ''}: ${spec.stages.map((s) => s.id).join(' → ')}\n`);
  return 0;
}
