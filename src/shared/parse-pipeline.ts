import { PipeError } from './errors.js';
import { SyntaxProblem, notAPipeline, problemsMessage, readJson, readYaml } from './pipeline-errors.js';
import { PipelineSpec } from './pipeline-schema.js';
import { formatIssues } from './zod-issues.js';

// Text of a pipeline file → a checked pipeline, or ERR_PIPELINE_INVALID naming every problem on its own line.
// No message quotes the file's text unless it is a pipeline (pipeline-errors.ts says why).
export function parsePipeline(text: string, source: string): PipelineSpec {
  let raw: unknown;
  try {
    raw = source.endsWith('.json') ? readJson(text) : readYaml(text);
  } catch (thrown) {
    const reason = thrown instanceof SyntaxProblem ? thrown.reason : 'a syntax error';
    throw new PipeError('ERR_PIPELINE_INVALID', `${source}: not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${reason}`, { cause: new SyntaxProblem(reason) });
  }
  const foreign = notAPipeline(raw);
  if (foreign) throw new PipeError('ERR_PIPELINE_INVALID', problemsMessage(source, [foreign]), { cause: new PipelineProblems([foreign]) });
  const parsed = PipelineSpec.safeParse(raw);
  // Duplicate ids and reserved names are checked on the raw file, so they are named beside every other problem
  // (and the schema's record would drop a `__proto__` key without a word).
  const duplicates = [...reservedParams(raw), ...duplicateIds(raw)];
  if (!parsed.success || duplicates.length > 0) {
    const lines = [...(parsed.success ? [] : formatIssues(parsed.error, PipelineSpec)), ...duplicates];
    throw new PipeError('ERR_PIPELINE_INVALID', problemsMessage(source, lines), { cause: new PipelineProblems(lines) });
  }
  return parsed.data;
}

/** Every problem of a pipeline file, one line each and none left out: `validate --json` lists them. */
export class PipelineProblems extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} problem${problems.length > 1 ? 's' : ''}`);
  }
}

// The problems of an ERR_PIPELINE_INVALID, one line each, without the file's name: a syntax error is one problem,
// and a file refused before it was read (a FIFO, too large) is its message.
export function pipelineProblems(error: PipeError): string[] {
  if (error.cause instanceof PipelineProblems) return error.cause.problems;
  if (error.cause instanceof SyntaxProblem) return [error.message.slice(error.message.indexOf(': not valid ') + 2)];
  return [error.message];
}

/**
 * Parameter names that are properties of every object: as a key, `__proto__` vanishes (or sets a prototype) and
 * `constructor` reads as a function where a value is missing. Refused wherever a name comes in.
 */
export const RESERVED_PARAM_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const reservedMessage = (name: string): string => `"${name}" is reserved (a property of every object); pick another name`;

function reservedParams(raw: unknown): string[] {
  const params = (raw as { params?: unknown } | null)?.params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return [];
  return Object.keys(params).filter((name) => RESERVED_PARAM_NAMES.has(name)).map((name) => `params.${name}: ${reservedMessage(name)}`);
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
    if (RESERVED_PARAM_NAMES.has(name)) throw new PipeError('ERR_PARAM_INVALID', `parameter name ${reservedMessage(name)}`);
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
