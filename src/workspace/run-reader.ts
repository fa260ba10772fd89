import { readFileSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type * as z from 'zod';
import { PipeError } from '../shared/errors.js';
import { RunMetadata, RunSummary, SCHEMA_VERSION } from '../shared/metadata-schema.js';
import { isRunId } from '../shared/names.js';
import { METADATA_FILE, runDir, runsDir } from './layout.js';

/** The metadata.json schema this version reads and writes. */

// The one reader of metadata.json. Whatever the caller (a listing, the TUI's watcher, the daemon's recovery), a run
// is read into one shape: the run, or why it cannot be (missing, unreadable, corrupt) as a value, never thrown.

/** A run, or a run folder that cannot be read as one: `error.code` says which (ERR_RUN_NOT_FOUND, ERR_IO, ERR_METADATA_CORRUPT). */
export type RunRead<T = RunMetadata> = { ok: true; run: T } | { ok: false; runId: string; error: PipeError };
/** What a listing needs of a run, read without its stages' detail. */
export type SummaryRead = RunRead<RunSummary>;

/** metadata.json's text as it is on disk (null when it cannot be read) and what it reads as. */
export interface RunFile {
  text: string | null;
  read: RunRead;
}

// The file's text too, for callers that print it unchanged (status --json) or skip an unchanged one (the watcher).
export async function readRunFile(workspace: string, runId: string): Promise<RunFile> {
  const file = path.join(runDir(workspace, runId), METADATA_FILE);
  try {
    const text = await readFile(file, 'utf8');
    return { text, read: parseMetadata(runId, text) };
  } catch (error) {
    return { text: null, read: unreadable(workspace, runId, error) };
  }
}

export async function readRun(workspace: string, runId: string): Promise<RunRead> {
  return (await readRunFile(workspace, runId)).read;
}

export async function requireRun(workspace: string, runId: string): Promise<RunMetadata> {
  const read = await readRun(workspace, runId);
  if (!read.ok) throw read.error;
  return read.run;
}

export function parseMetadata(runId: string, text: string): RunRead {
  return parseWith(RunMetadata, runId, text);
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
  return readSummariesWithSync(workspace, runIds, () => null).map((r) => r.read);
}

/** readSummariesSync, and what `extra` makes of each readable run's JSON as parsed, unchecked (`ls`: its running time). */
export function readSummariesWithSync<E>(workspace: string, runIds: string[], extra: (json: unknown) => E): { read: SummaryRead; extra: E | null }[] {
  return runIds.map((runId) => {
    let text: string;
    try {
      text = readFileSync(path.join(runDir(workspace, runId), METADATA_FILE), 'utf8');
    } catch (error) {
      return { read: unreadable(workspace, runId, error), extra: null };
    }
    const json = parseJson(runId, text);
    if (json instanceof PipeError) return { read: { ok: false, runId, error: json }, extra: null };
    const read = checkWith(RunSummary, runId, json);
    return { read, extra: read.ok ? extra(json) : null };
  });
}

/** How long a run folder may lack its metadata.json while it is being created. */
export const CREATING_MS = 10_000;

// A folder without metadata.json is a run being created this instant, or one whose creation failed (a full disk,
// a crash): past a few seconds it is the latter, and is listed as half-made rather than hidden.
export function isHalfMade(workspace: string, runId: string, now = Date.now()): boolean {
  try {
    return now - statSync(runDir(workspace, runId)).mtimeMs > CREATING_MS;
  } catch {
    return false;
  }
}

function unreadable(workspace: string, runId: string, error: unknown): { ok: false; runId: string; error: PipeError } {
  if (error instanceof PipeError) return { ok: false, runId, error };
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return { ok: false, runId, error: new PipeError('ERR_RUN_NOT_FOUND', `no run ${runId} in ${runsDir(workspace)}`) };
  }
  return { ok: false, runId, error: new PipeError('ERR_IO', `${runId}/${METADATA_FILE} cannot be read: ${code ?? String(error)}`) };
}

function parseWith<T>(schema: z.ZodType<T>, runId: string, text: string): RunRead<T> {
  const json = parseJson(runId, text);
  return json instanceof PipeError ? { ok: false, runId, error: json } : checkWith(schema, runId, json);
}

function parseJson(runId: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    return new PipeError('ERR_METADATA_CORRUPT', `${runId}/${METADATA_FILE} is not valid JSON`, { cause });
  }
}

function checkWith<T>(schema: z.ZodType<T>, runId: string, json: unknown): RunRead<T> {
  // A newer pipe-tui's run is not corrupt, and not to be read (or rewritten) as if it were ours.
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    return { ok: false, runId, error: new PipeError('ERR_METADATA_VERSION', `${runId}/${METADATA_FILE} is schema ${version}, written by a newer pipe-tui; this one reads schema ${SCHEMA_VERSION}: upgrade to see it`) };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    return { ok: false, runId, error: new PipeError('ERR_METADATA_CORRUPT', `${runId}/${METADATA_FILE} does not match schema ${SCHEMA_VERSION} (at ${where || 'root'})`) };
  }
  return { ok: true, run: parsed.data };
}
