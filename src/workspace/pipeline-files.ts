import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import { PIPELINE_NAME } from '../shared/names.js';
import { parsePipeline } from '../shared/parse-pipeline.js';
import type { PipelineSpec } from '../shared/pipeline-schema.js';
import { pipelinesDir } from './layout.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface LoadedPipeline {
  name: string;
  file: string;
  spec: PipelineSpec;
}


// `podcast` means pipelines/podcast.{yaml,yml,json}; anything with a slash or an extension is a file path.
export async function loadPipeline(workspace: string, nameOrPath: string): Promise<LoadedPipeline> {
  const file = await findPipelineFile(workspace, nameOrPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new PipeError('ERR_PIPELINE_NOT_FOUND', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const spec = parsePipeline(text, path.relative(process.cwd(), file) || file);
  const name = spec.name ?? path.basename(file).replace(/\.(ya?ml|json)$/, '');
  return { name, file, spec };
}

/** The pipeline a run was made from, read again: its file when the run recorded one, else its name. */
export function loadRunPipeline(workspace: string, run: { pipeline: string; pipeline_file: string | null }): Promise<LoadedPipeline> {
  return loadPipeline(workspace, run.pipeline_file ? path.resolve(workspace, run.pipeline_file) : run.pipeline);
}

async function findPipelineFile(workspace: string, nameOrPath: string): Promise<string> {
  if (nameOrPath.includes('/') || EXTENSIONS.some((ext) => nameOrPath.endsWith(ext))) return path.resolve(nameOrPath);
  if (!PIPELINE_NAME.test(nameOrPath)) throw new PipeError('ERR_PIPELINE_NOT_FOUND', `not a pipeline name: ${JSON.stringify(nameOrPath)}`);
  const names = await listPipelineNames(workspace);
  const match = names.find((n) => n.name === nameOrPath);
  if (!match) {
    throw new PipeError('ERR_PIPELINE_NOT_FOUND', `no pipeline "${nameOrPath}" in ${pipelinesDir(workspace)}${names.length ? ` (there: ${names.map((n) => n.name).join(', ')})` : ''}`);
  }
  return match.file;
}

export async function listPipelineNames(workspace: string): Promise<{ name: string; file: string }[]> {
  let entries: string[];
  try {
    entries = await readdir(pipelinesDir(workspace));
  } catch {
    return [];
  }
  return entries
    .filter((f) => EXTENSIONS.includes(path.extname(f)))
    .sort()
    .map((f) => ({ name: f.slice(0, -path.extname(f).length), file: path.join(pipelinesDir(workspace), f) }));
}
