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
  // Duplicate ids are checked on the raw file, so they are named beside every other problem.
  const duplicates = duplicateIds(raw);
  if (!parsed.success || duplicates.length > 0) {
    const lines = [...(parsed.success ? [] : formatIssues(parsed.error)), ...duplicates];
    throw new PipeError('ERR_PIPELINE_INVALID', `${source}: ${lines.length} problem${lines.length > 1 ? 's' : ''}\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

function duplicateIds(raw: unknown): string[] {
  const stages = (raw as { stages?: unknown } | null)?.stages;
  if (!Array.isArray(stages)) return [];
  const seen = new Set<unknown>();
  return stages.flatMap((stage: unknown, i) => {
    const id = (stage as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return [];
    if (seen.has(id)) return [`stages.${i}.id: duplicate stage id "${id}"`];
    seen.add(id);
    return [];
  });
}

// Defaults from the file, overridden by `-p k=v`; a name the pipeline does not declare is a typo, so refused.
export function resolveParams(pipeline: PipelineSpec, given: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, spec] of Object.entries(pipeline.params)) {
    if (spec.default !== undefined) params[name] = String(spec.default);
  }
  for (const [name, value] of Object.entries(given)) {
    if (!Object.hasOwn(pipeline.params, name)) {
      const known = Object.keys(pipeline.params);
      throw new PipeError('ERR_PARAM_INVALID', `unknown parameter "${name}" (${known.length ? `known: ${known.join(', ')}` : 'this pipeline takes none'})`);
    }
    params[name] = value;
  }
  const missing = Object.keys(pipeline.params).filter((name) => !Object.hasOwn(params, name));
  if (missing.length > 0) throw new PipeError('ERR_PARAM_INVALID', `parameter${missing.length > 1 ? 's' : ''} without a default need a value: ${missing.map((m) => `-p ${m}=…`).join(' ')}`);
  return params;
}
