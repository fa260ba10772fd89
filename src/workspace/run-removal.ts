import { randomBytes } from 'node:crypto';
import { lstat, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import { type RunStatus, isTerminal } from '../shared/metadata-schema.js';
import { EVENTS_FILE, METADATA_FILE, runDir, runsDir } from './layout.js';
import { foldEvents } from './run-events.js';
import { indexRemovals } from './run-index-append.js';
import { type RunRead, isHalfMade, parseMetadata } from './run-reader.js';

// Deleting run folders (`rm`, `prune`): the one write to runs/ outside the engine, so it is careful. Only a real
// folder of runs/ (no symlink) that holds a run is removed, and only a run that has ended: a live run (queued,
// running, waiting for approval) belongs to the process running it. The folder is first renamed out of the
// listing, then checked again, then deleted: no reader ever sees half a run, and a resume that slipped in between
// is caught and the folder put back.

export interface Removable {
  run_id: string;
  pipeline: string | null;
  /** The run's status; `corrupt` or `incomplete` for a folder whose metadata.json cannot be read. */
  status: RunStatus | 'corrupt' | 'incomplete';
  created_at: string | null;
  ended_at: string | null;
  bytes: number;
}

/** What removing `runId` would remove, or why it may not be (ERR_RUN_STATE for a live run, ERR_RUN_NOT_FOUND). */
export async function checkRemovable(workspace: string, runId: string): Promise<Removable> {
  const dir = runDir(workspace, runId);
  const info = await lstat(dir).catch(() => null);
  if (!info) throw new PipeError('ERR_RUN_NOT_FOUND', `no run ${runId} in ${runsDir(workspace)}`);
  if (!info.isDirectory()) throw new PipeError('ERR_RUN_STATE', `${dir} is not a run folder (${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}); remove it by hand if you mean to`);
  const state = await stateOf(workspace, runId, dir);
  if (state.status !== 'corrupt' && state.status !== 'incomplete' && !isTerminal(state.status)) {
    throw new PipeError('ERR_RUN_STATE', `run ${runId} is ${state.status}; cancel it first (pipe-tui cancel ${runId}) or wait for it to end`);
  }
  return { run_id: runId, ...state, bytes: await sizeOf(dir) };
}

/** Removes a run checked by checkRemovable; ERR_RUN_STATE (and nothing removed) if it came alive meanwhile. */
export async function removeRun(workspace: string, runId: string): Promise<void> {
  const dir = runDir(workspace, runId);
  // A name no listing takes for a run (RUN_ID must start with a letter or digit), in the same folder: an atomic move.
  const aside = path.join(runsDir(workspace), `.removing-${runId}-${randomBytes(4).toString('hex')}`);
  await rename(dir, aside);
  const state = await stateOf(workspace, runId, aside);
  if (state.status !== 'corrupt' && state.status !== 'incomplete' && !isTerminal(state.status)) {
    await rename(aside, dir);
    throw new PipeError('ERR_RUN_STATE', `run ${runId} became ${state.status} as it was being removed; it was left in place`);
  }
  await rm(aside, { recursive: true, force: true });
  indexRemovals(workspace, [runId]);
}

type State = Omit<Removable, 'run_id' | 'bytes'>;

// The run's state from metadata.json; where that cannot be read, from events.ndjson, the newer truth anyway.
async function stateOf(workspace: string, runId: string, dir: string): Promise<State> {
  const read = await readRunAt(runId, dir);
  if (read.ok) return { pipeline: read.run.pipeline, status: read.run.status, created_at: read.run.created_at, ended_at: read.run.ended_at };
  const folded = await foldEvents(dir);
  if (folded) return { pipeline: folded.state.pipeline, status: folded.state.status, created_at: folded.state.created_at, ended_at: folded.state.ended_at };
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (!entries.includes(METADATA_FILE) && !entries.includes(EVENTS_FILE)) {
    // A folder with neither file may be a run being created this instant: only one left so (half-made) is taken.
    if (dir === runDir(workspace, runId) && !isHalfMade(workspace, runId)) throw new PipeError('ERR_RUN_STATE', `run ${runId} is being created; try again in a few seconds`);
    return { pipeline: null, status: 'incomplete', created_at: null, ended_at: null };
  }
  return { pipeline: null, status: 'corrupt', created_at: null, ended_at: null };
}

// metadata.json where the folder is now (runs/<id>, or moved aside); not ok when it is missing or unreadable.
async function readRunAt(runId: string, dir: string): Promise<RunRead | { ok: false }> {
  const text = await readFile(path.join(dir, METADATA_FILE), 'utf8').catch(() => null);
  return text === null ? { ok: false } : parseMetadata(runId, text);
}

// What the folder holds, in bytes (symlinks counted as links, not followed).
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await sizeOf(file);
    else total += await lstat(file).then((s) => s.size, () => 0);
  }
  return total;
}
