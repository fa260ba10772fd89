import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import { PIPELINE_NAME } from '../shared/names.js';
import { parsePipeline } from '../shared/parse-pipeline.js';
import type { PipelineSpec } from '../shared/pipeline-schema.js';
import { pipelinesDir } from './layout.js';
import { openRegularFile } from './safe-paths.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface LoadedPipeline {
  name: string;
  file: string;
  spec: PipelineSpec;
}

// `podcast` means pipelines/podcast.{yaml,yml,json}; anything with a slash or an extension is a file path.
export async function loadPipeline(workspace: string, nameOrPath: string): Promise<LoadedPipeline> {
  const file = await findPipelineFile(workspace, nameOrPath);
  const text = await readPipelineFile(file);
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

/** A pipeline is a page of text; a larger file is not one (and must not cost a daemon its memory). */
export const MAX_PIPELINE_BYTES = 1024 * 1024;

/**
 * The text of a pipeline file. A symlink to one is followed (pipelines/ may link to a shared file), then the real
 * file is opened without blocking and judged on the descriptor: a FIFO or a device such as /dev/zero is refused
 * before a byte is read, and so is a file over 1 MiB.
 */
export async function readPipelineFile(file: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (cause) {
    throw new PipeError('ERR_PIPELINE_NOT_FOUND', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
  const rules = { named: file, limit: 'a pipeline file may be', maxBytes: MAX_PIPELINE_BYTES, missing: 'ERR_PIPELINE_NOT_FOUND', invalid: 'ERR_PIPELINE_INVALID' } as const;
  const { handle } = await openRegularFile(real, rules);
  try {
    // Read up to one byte past the limit, so a file that grew after it was opened is caught too.
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= MAX_PIPELINE_BYTES) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, MAX_PIPELINE_BYTES + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
    }
    if (length > MAX_PIPELINE_BYTES) throw new PipeError('ERR_PIPELINE_INVALID', `${file} grew past the 1 MiB a pipeline file may be`);
    return Buffer.concat(chunks, length).toString('utf8');
  } finally {
    await handle.close();
  }
}
