import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { indexEntryOf, indexLineText, removalOf } from '../../src/shared/run-index-entry.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { type RunEntry, entryId } from '../../src/tui/run-entries.js';
import { type RunSourceState, watchRuns } from '../../src/tui/run-source.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';
import { runFrom, states } from './run-states.js';

// The TUI's runs on disk: the runs index where it can be trusted, the folders where it cannot, and what changes.

const sources: { close(): void }[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await removeWorkspaces();
});

const id = (n: number): string => `20261124-${String(100000 + n)}-000-run${String(n).padStart(3, '0')}`;
const as = (run: RunMetadata, runId: string, over: Partial<RunMetadata> = {}): RunMetadata => ({ ...run, run_id: runId, ...over });

async function writeFolder(ws: string, run: RunMetadata, text = `${JSON.stringify(run)}\n`): Promise<void> {
  const dir = path.join(ws, 'runs', run.run_id);
  await mkdir(dir, { recursive: true });
  // As the engine writes it: whole, by a rename over the old file.
  await writeFile(path.join(dir, 'metadata.json.tmp'), text);
  await rename(path.join(dir, 'metadata.json.tmp'), path.join(dir, 'metadata.json'));
}

function writeIndex(ws: string, runs: RunMetadata[]): void {
  const file = daemonPaths(ws).runIndex;
  writeFileSync(file, runs.map((run) => indexLineText(indexEntryOf(run))).join(''));
}

const appendIndex = (ws: string, line: Parameters<typeof indexLineText>[0]): void => appendFileSync(daemonPaths(ws).runIndex, indexLineText(line));

async function stateDir(ws: string): Promise<void> {
  await mkdir(daemonPaths(ws).dir, { recursive: true });
}

function watch(ws: string) {
  let state: RunSourceState | null = null;
  const source = watchRuns(ws, (s) => {
    state = s;
  });
  sources.push(source);
  const now = (): RunSourceState | null => state;
  const find = (runId: string): RunEntry | undefined => now()?.entries.toArray().find((e) => entryId(e) === runId);
  const until = <T>(what: string, check: (s: RunSourceState) => T) => waitFor(what, () => (state ? check(state) : null));
  return { source, now, find, until };
}

describe('the runs on disk, from the runs index', () => {
  it("lists a finished run as its index line says, without reading its metadata.json (a folder that says otherwise, or is corrupt)", async () => {
    const ws = await tempWorkspace();
    await stateDir(ws);
    const finished = as(states.failed(), id(1));
    const corrupt = as(states.failed(), id(2), { pipeline: 'indexed' });
    await writeFolder(ws, as(finished, id(1), { pipeline: 'on-disk', status: 'succeeded' }));
    await writeFolder(ws, corrupt, '{not json');
    writeIndex(ws, [finished, corrupt]);
    const { find, until } = watch(ws);
    await until('the whole listing', (s) => s.complete);
    expect(find(id(1))).toMatchObject({ ok: true, run: null, listing: { pipeline: 'podcast', status: 'failed' } });
    expect(find(id(2))).toMatchObject({ ok: true, listing: { pipeline: 'indexed' } });
  });

  it('reads and follows a run whose line says it moves, from its folder', async () => {
    const ws = await tempWorkspace();
    await stateDir(ws);
    const queued = as(states.queued(), id(3));
    const running = as(states.running(), id(3));
    writeIndex(ws, [queued]);
    await writeFolder(ws, running);
    const { find, until, now } = watch(ws);
    // The folder is newer than the line: its whole state, held (the list shows its ETA, the detail reads nothing).
    await until('the folder read', () => find(id(3))?.ok && (find(id(3)) as { run: RunMetadata | null }).run?.seq === running.seq);
    expect(now()?.moving).toEqual([id(3)]);
    // It moves on: seen in its folder.
    const later = runFrom([{ type: 'run.started' }, { type: 'stage.started', stage: 0, attempt: 1, pgid: 1 }, { type: 'stage.succeeded', stage: 0, outputs: [] }, { type: 'stage.started', stage: 1, attempt: 1, pgid: 2 }, { type: 'stage.progress', stage: 1, current: 7, total: 10, message: 'more' }, { type: 'stage.progress', stage: 1, current: 8, total: 10, message: 'more' }], id(3));
    await writeFolder(ws, later);
    await until('the new state', () => (find(id(3)) as { run: RunMetadata | null } | undefined)?.run?.seq === later.seq);
    // It ends, its line says so: the listing alone, no longer followed.
    const done = as(states.failed(), id(3), { seq: later.seq + 5 });
    await writeFolder(ws, done);
    appendIndex(ws, indexEntryOf(done));
    await until('the run to settle', (s) => s.moving.length === 0 && find(id(3))?.ok && (find(id(3)) as { listing: { status: string } }).listing.status === 'failed');
    expect(find(id(3))).toMatchObject({ run: null });
  });

  it('does not follow the runs the feed carries live', async () => {
    const ws = await tempWorkspace();
    await stateDir(ws);
    const running = as(states.running(), id(4));
    writeIndex(ws, [running]);
    await writeFolder(ws, running);
    const { source, until } = watch(ws);
    await until('the run followed', (s) => s.moving.includes(id(4)));
    source.setLive([id(4)]);
    await until('the run left to the feed', (s) => s.moving.length === 0);
    source.setLive([]);
    await until('the run followed again', (s) => s.moving.includes(id(4)));
  });

  it('shows a folder added by hand, drops one removed, and takes up lines appended and an index replaced', async () => {
    const ws = await tempWorkspace();
    await stateDir(ws);
    const first = as(states.failed(), id(5));
    writeIndex(ws, [first]);
    await writeFolder(ws, first);
    const { find, until } = watch(ws);
    await until('the first run', () => find(id(5)));
    // Copied in by hand, unknown to the index: read from its folder.
    await writeFolder(ws, as(states.cancelled(), id(6)));
    await until('the run added by hand', () => find(id(6))?.ok);
    expect(find(id(6))).toMatchObject({ listing: { status: 'cancelled' } });
    // Removed by hand: gone from the list (the index still has its line).
    await rm(path.join(ws, 'runs', id(5)), { recursive: true });
    await until('the removed run to go', (s) => s.entries.indexOf(id(5)) < 0);
    // A line appended for a folder there: the line is trusted (it is finished).
    appendIndex(ws, indexEntryOf(as(states.cancelled(), id(6), { pipeline: 'renamed', seq: 50 })));
    await until('the appended line', () => find(id(6))?.ok && (find(id(6)) as { listing: { pipeline: string } }).listing.pipeline === 'renamed');
    // A compaction writes a new file: read afresh.
    writeFileSync(`${daemonPaths(ws).runIndex}.new`, indexLineText(indexEntryOf(as(states.cancelled(), id(6), { pipeline: 'compacted', seq: 60 }))));
    await rename(`${daemonPaths(ws).runIndex}.new`, daemonPaths(ws).runIndex);
    await until('the compacted index', () => find(id(6))?.ok && (find(id(6)) as { listing: { pipeline: string } }).listing.pipeline === 'compacted');
    // A removal line for a folder that is there: read from its folder again.
    appendIndex(ws, removalOf(id(6)));
    await until('the folder read again', () => find(id(6))?.ok && (find(id(6)) as { listing: { pipeline: string } }).listing.pipeline === 'podcast');
  });
});

describe('many folders at once', () => {
  it('takes up a restore of 1 200 run folders the index does not know, read as a batch', async () => {
    const ws = await tempWorkspace();
    await stateDir(ws);
    const first = as(states.failed(), id(1));
    writeIndex(ws, [first]);
    await writeFolder(ws, first);
    const { until } = watch(ws);
    await until('the first run', (s) => s.complete && s.entries.length === 1);
    const runs = Array.from({ length: 1200 }, (_, i) => as(states.cancelled(), `20261125-${String(100000 + i)}-000-bulk${String(i).padStart(4, '0')}`));
    for (const run of runs) {
      mkdirSync(path.join(ws, 'runs', run.run_id));
      writeFileSync(path.join(ws, 'runs', run.run_id, 'metadata.json'), JSON.stringify(run));
    }
    const state = await until('every restored run', (s) => (s.entries.length === 1201 ? s : null));
    expect(state.entries.at(0)).toMatchObject({ ok: true, listing: { run_id: runs[1199]?.run_id, status: 'cancelled' } });
    expect(state.moving).toEqual([]);
  });
});

describe('without a runs index', () => {
  it('lists every run from its folder (an old workspace), and says there is no index until one is made', async () => {
    const ws = await tempWorkspace();
    const runs = Array.from({ length: 40 }, (_, i) => as(i % 2 ? states.failed() : states.cancelled(), id(100 + i)));
    for (const run of runs) await writeFolder(ws, run);
    const { find, until } = watch(ws);
    const state = await until('every run', (s) => (s.complete && s.entries.length === 40 ? s : null));
    expect(state.indexed).toBe(false);
    expect(state.entries.toArray().map(entryId)).toEqual(runs.map((r) => r.run_id).reverse());
    expect(find(id(101))).toMatchObject({ ok: true, run: null, listing: { status: 'failed' } });
    // The daemon makes the index: from then on the index is what tells them.
    await stateDir(ws);
    writeIndex(ws, runs.map((run) => ({ ...run, pipeline: 'from-index' })));
    await until('the index', (s) => s.indexed && s.entries.toArray().every((e) => e.ok && e.listing.pipeline === 'from-index'));
  });

  it('falls back to the folders when the index is deleted, and keeps following what moves', async () => {
    const ws = await tempWorkspace();
    await stateDir(ws);
    const done = as(states.failed(), id(7));
    writeIndex(ws, [done]);
    await writeFolder(ws, done);
    const { find, until } = watch(ws);
    await until('the run', () => find(id(7)));
    await rm(daemonPaths(ws).runIndex);
    await until('no index', (s) => !s.indexed);
    expect(find(id(7))).toMatchObject({ ok: true, listing: { status: 'failed' } });
    // A run a foreground CLI starts meanwhile: from its folder.
    await writeFolder(ws, as(states.running(), id(8)));
    await until('the new run', () => (find(id(8)) as { run: RunMetadata | null } | undefined)?.run?.status === 'running');
  });

  it('sees the first run of a workspace that had no runs/ folder when it started watching', async () => {
    const ws = await tempWorkspace();
    const { find, until } = watch(ws);
    await until('the (empty) listing', (s) => s.complete);
    const run = as(states.running(), id(9));
    await writeFolder(ws, run);
    await until('the first run', () => find(id(9))?.ok);
  });

  it('shows a folder left without metadata.json as half-made once past the grace, and a corrupt one as corrupt', async () => {
    const ws = await tempWorkspace();
    await mkdir(path.join(ws, 'runs', id(10)), { recursive: true });
    await writeFolder(ws, as(states.failed(), id(11)), '{oops');
    const old = new Date(Date.now() - 60_000);
    const { utimes } = await import('node:fs/promises');
    await utimes(path.join(ws, 'runs', id(10)), old, old);
    const { find, until } = watch(ws);
    await until('both', () => find(id(10)) && find(id(11)));
    expect(find(id(10))).toMatchObject({ ok: false, error: { code: 'ERR_RUN_NOT_FOUND' } });
    expect(find(id(11))).toMatchObject({ ok: false, error: { code: 'ERR_METADATA_CORRUPT' } });
  });
});
