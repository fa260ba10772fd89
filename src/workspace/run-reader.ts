import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import { STAGE_ID, isRunId, stageLogName } from '../shared/names.js';
import { RunMetadata, RunSummary } from '../shared/metadata-schema.js';
import type * as z from 'zod';
import { newRunId } from '../daemon/engine/run-id.js';

export const METADATA_FILE = 'metadata.json';
export const EVENTS_FILE = 'events.ndjson';

export const runsDir = (workspace: string): string => path.join(workspace, 'runs');

// The only way from a run id to a path: the id is checked first, so `../x` never names a folder.
export function runDir(workspace: string, runId: string): string {
  if (!isRunId(runId)) throw new PipeError('ERR_RUN_ID_INVALID', `not a run id: ${JSON.stringify(runId.slice(0, 140))}`);
  return path.join(runsDir(workspace), runId);
}

// A stage's log, rebuilt from its index and checked id, never taken from metadata.json's `log` field.
export function stageLogPath(workspace: string, runId: string, stage: { index: number; id: string }): string {
  if (!STAGE_ID.test(stage.id)) throw new PipeError('ERR_METADATA_CORRUPT', `stage id ${JSON.stringify(stage.id)} is not valid`);
  return path.join(runDir(workspace, runId), stageLogName(stage.index, stage.id));
}

// mkdir without `recursive` fails if the folder exists, which makes the id ours even against other processes.
export async function createRunFolder(workspace: string): Promise<{ runId: string; dir: string }> {
  await mkdir(runsDir(workspace), { recursive: true });
  for (let tries = 0; tries < 20; tries++) {
    const runId = newRunId();
    const dir = runDir(workspace, runId);
    try {
      await mkdir(dir);
      await mkdir(path.join(dir, 'logs'));
      return { runId, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new PipeError('ERR_IO', 'could not create a unique run folder');
}

export type RunRead = { ok: true; run: RunMetadata } | { ok: false; runId: string; error: PipeError };
export type SummaryRead = { ok: true; run: RunSummary } | { ok: false; runId: string; error: PipeError };

// A corrupt or half-known metadata.json is reported as a value, never thrown past a listing.
export async function readRun(workspace: string, runId: string): Promise<RunRead> {
  const file = path.join(runDir(workspace, runId), METADATA_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { ok: false, runId, error: new PipeError('ERR_RUN_NOT_FOUND', `no run ${runId} in ${runsDir(workspace)}`) };
    }
    return { ok: false, runId, error: new PipeError('ERR_IO', `${runId}/metadata.json cannot be read: ${code ?? String(error)}`) };
  }
  return parseMetadata(runId, text);
}

export function parseMetadata(runId: string, text: string): RunRead {
  return parseWith(RunMetadata, runId, text);
}

function parseWith<T>(schema: z.ZodType<T>, runId: string, text: string): { ok: true; run: T } | { ok: false; runId: string; error: PipeError } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return { ok: false, runId, error: new PipeError('ERR_METADATA_CORRUPT', `${runId}/metadata.json is not valid JSON`, { cause }) };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    return { ok: false, runId, error: new PipeError('ERR_METADATA_CORRUPT', `${runId}/metadata.json does not match schema 1 (at ${where || 'root'})`) };
  }
  return { ok: true, run: parsed.data };
}

export async function requireRun(workspace: string, runId: string): Promise<RunMetadata> {
  const read = await readRun(workspace, runId);
  if (!read.ok) throw read.error;
  return read.run;
}

// Run ids sort by creation time, so newest first is a reverse string sort; no folder is opened to list.
export async function listRunIds(workspace: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(runsDir(workspace));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter(isRunId).sort().reverse();
}

// Reads many runs at once for a listing. Synchronous on purpose: thousands of small files read in one go cost a
// fraction of the thread-pool round trips (open, stat, read, close) of async reads, and only one file is open at
// a time whatever `ulimit -n` is. For commands, not for the daemon's event loop.
export function readSummariesSync(workspace: string, runIds: string[]): SummaryRead[] {
  return runIds.map((runId) => {
    try {
      return parseWith(RunSummary, runId, readFileSync(path.join(runDir(workspace, runId), METADATA_FILE), 'utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, runId, error: new PipeError('ERR_RUN_NOT_FOUND', `no run ${runId}`) };
      return { ok: false, runId, error: new PipeError('ERR_IO', `${runId}/metadata.json cannot be read: ${code ?? String(error)}`) };
    }
  });
}
