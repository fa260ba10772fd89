import { parse as parseYaml } from 'yaml';
import { PipeError } from './errors.js';
import { PipelineSpec } from './pipeline-schema.js';
import { formatIssues } from './zod-issues.js';

// Text of a pipeline file → a checked pipeline, or ERR_PIPELINE_INVALID naming every problem on its own line.
export function parsePipeline(text: string, source: string): PipelineSpec {
  let raw: unknown;
  try {
    raw = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new PipeError('ERR_PIPELINE_INVALID', `${source}: not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${reason}`, { cause });
  }
  const parsed = PipelineSpec.safeParse(raw);
  if (!parsed.success) {
    const lines = formatIssues(parsed.error);
    throw new PipeError('ERR_PIPELINE_INVALID', `${source}: ${lines.length} problem${lines.length > 1 ? 's' : ''}\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

// Defaults from the file, overridden by `-p k=v`; a name the pipeline does not declare is a typo, so refused.
export function resolveParams(pipeline: PipelineSpec, given: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, spec] of Object.entries(pipeline.params)) {
    if (spec.default !== undefined) params[name] = String(spec.default);
  }
  for (const [name, value] of Object.entries(given)) {
    if (!(name in pipeline.params)) {
      const known = Object.keys(pipeline.params);
      throw new PipeError('ERR_PARAM_INVALID', `unknown parameter "${name}" (${known.length ? `known: ${known.join(', ')}` : 'this pipeline takes none'})`);
    }
    params[name] = value;
  }
  const missing = Object.keys(pipeline.params).filter((name) => !(name in params));
  if (missing.length > 0) throw new PipeError('ERR_PARAM_INVALID', `parameter${missing.length > 1 ? 's' : ''} without a default need a value: ${missing.map((m) => `-p ${m}=…`).join(' ')}`);
  return params;
}
