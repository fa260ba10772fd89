import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexEntryOf, isFirstLine } from '../../src/shared/run-index-entry.js';
import { daemonPaths, runDir } from '../../src/workspace/layout.js';
import { RunIndex } from '../../src/workspace/run-index.js';
import { type ListedRun, indexFollowed, listAllRuns, listNewestRuns } from '../../src/workspace/run-listing.js';
import { listRunIds, readRun } from '../../src/workspace/run-reader.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';
import { lockHolder } from '../../src/workspace/daemon-pid.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const QUICK = "stages:\n  - id: one\n    run: 'echo one'\n  - id: two\n    run: 'exit 3'\n    optional: true\n";
const SLOW = "stages:\n  - id: wait\n    run: 'sleep 30'\n";

/** What the folders say of every run, newest first: the truth the index must agree with. */
async function fromFolders(ws: string): Promise<unknown[]> {
  const runs = [];
  for (const id of await listRunIds(ws)) {
    const read = await readRun(ws, id);
    if (read.ok) runs.push(indexEntryOf(read.run));
  }
  return runs.map(comparable);
}

const comparable = (run: unknown): unknown => {
  const { eta_ms: _eta, seq: _seq, ...rest } = run as Record<string, unknown>;
  return rest;
};
const fromIndex = (ws: string): unknown[] => RunIndex.open(ws).list().map(comparable);
const ids = (runs: ListedRun[]): string[] => runs.map((r) => (r.ok ? r.run.run_id : r.runId));

async function killDaemon(ws: string): Promise<void> {
  const pid = lockHolder(daemonPaths(ws).pid);
  if (pid === null) throw new Error('no daemon to kill');
  process.kill(pid, 'SIGKILL');
  await waitFor(`daemon ${pid} to die`, () => !isAlive(pid));
}

describe('the runs index', () => {
  it('agrees with the folders after runs through the daemon and in the foreground', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    await startDaemon(ws);
    const a = await startRun(ws, 'quick');
    const b = await startRun(ws, 'quick');
    for (const id of [a, b]) await waitForRun(ws, id, 'to end', (r) => r.status === 'succeeded');
    await waitFor('the index to hold the three runs as ended', () => RunIndex.open(ws).list().filter((r) => r.status === 'succeeded').length === 3);
    expect(fromIndex(ws)).toEqual(await fromFolders(ws));
    // A listing reads the same from the index alone as from every folder.
    expect((await listAllRuns(ws)).map((r) => (r.ok ? comparable(r.run) : r))).toEqual(await fromFolders(ws));
    expect(ids(await listNewestRuns(ws, 2))).toEqual([b, a]);
    // Each run's first line says so, and no other line: how a listing finds the newest runs from the index alone.
    const lines = readFileSync(daemonPaths(ws).runIndex, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.filter(isFirstLine).map((l) => (JSON.parse(l) as { run_id: string }).run_id)).toEqual((await listRunIds(ws)).reverse());
  });

  it('lists a finished run from its index line without opening its folder', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const [id] = await listRunIds(ws);
    // The folder's metadata.json made unreadable: a listing that opened it would show the run as corrupt.
    writeFileSync(path.join(runDir(ws, id as string), 'metadata.json'), '{ not json');
    const [listed] = await listNewestRuns(ws, 1);
    expect(listed).toMatchObject({ ok: true, run: { run_id: id, status: 'succeeded' } });
    const ls = await cli(['ls', '--json', '--workspace', ws]);
    expect(JSON.parse(String(ls.stdout))).toMatchObject([{ run_id: id, status: 'succeeded' }]);
  });

  it('after a kill -9 of the daemon mid-run, the next daemon records the run interrupted in the index too', async () => {
    const ws = await tempWorkspace({ slow: SLOW });
    await startDaemon(ws);
    const id = await startRun(ws, 'slow');
    await waitForRun(ws, id, 'to run', (r) => r.status === 'running');
    await waitFor('the index to say running', () => RunIndex.open(ws).get(id)?.status === 'running');
    await killDaemon(ws);
    await startDaemon(ws);
    await waitForRun(ws, id, 'to be interrupted', (r) => r.status === 'interrupted');
    await waitFor('the index to say interrupted', () => RunIndex.open(ws).get(id)?.status === 'interrupted');
    expect(fromIndex(ws)).toEqual(await fromFolders(ws));
  });

  it('is rebuilt from the folders when deleted, and when a line is corrupt', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    for (let i = 0; i < 3; i++) expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const file = daemonPaths(ws).runIndex;
    rmSync(file);
    // Without an index a listing still shows every run, from the folders.
    expect((await listAllRuns(ws)).map((r) => (r.ok ? comparable(r.run) : r))).toEqual(await fromFolders(ws));
    await startDaemon(ws);
    await waitFor('the index to be rebuilt', () => RunIndex.open(ws).size === 3);
    expect(fromIndex(ws)).toEqual(await fromFolders(ws));
    await cli(['daemon', 'stop', '--workspace', ws]);

    // A corrupt line in the middle and a torn last one: skipped by readers, repaired by the next daemon.
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.splice(1, 0, '{"run_id":"garbage", "status": 12');
    writeFileSync(file, `${lines.join('\n')}{"run_id":"20261202-000000-000-torn`);
    const read = RunIndex.open(ws);
    expect(read.bad).toBe(1);
    expect(read.size).toBe(3);
    await startDaemon(ws);
    await waitFor('the index to be repaired', () => {
      const index = RunIndex.open(ws);
      return index.bad === 0 && index.size === 3;
    });
    expect(fromIndex(ws)).toEqual(await fromFolders(ws));
    expect(readFileSync(file, 'utf8')).not.toContain('garbage');
  });

  it('lists a run folder copied in by hand with no daemon running, and not one removed by hand', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    for (let i = 0; i < 2; i++) expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const [newest, oldest] = (await listRunIds(ws)) as [string, string];
    const copy = '20991231-235959-999-handmd';
    cpSync(runDir(ws, oldest), runDir(ws, copy), { recursive: true });
    const meta = path.join(runDir(ws, copy), 'metadata.json');
    writeFileSync(meta, readFileSync(meta, 'utf8').replaceAll(oldest, copy));
    expect(ids(await listNewestRuns(ws, 5))).toEqual([copy, newest, oldest]);
    rmSync(runDir(ws, newest), { recursive: true });
    expect(ids(await listNewestRuns(ws, 5))).toEqual([copy, oldest]);
    // A later run writes the index after those changes: the listing still reads what is in runs/.
    expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const ls = JSON.parse(String((await cli(['ls', '--json', '--limit', '5', '--workspace', ws])).stdout)) as { run_id: string }[];
    expect(ls.map((r) => r.run_id)).toEqual([copy, expect.any(String), oldest]);
    expect(ls.map((r) => r.run_id)).not.toContain(newest);
  });

  it('follows run folders added and removed by hand while the daemon runs', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const [id] = (await listRunIds(ws)) as [string];
    await startDaemon(ws);
    // A run restored by hand (from a backup): a copy of the folder under a newer id.
    const copy = '20991231-235959-999-handmd';
    cpSync(runDir(ws, id), runDir(ws, copy), { recursive: true });
    const meta = path.join(runDir(ws, copy), 'metadata.json');
    writeFileSync(meta, readFileSync(meta, 'utf8').replaceAll(id, copy));
    await waitFor('the copy to be indexed', () => RunIndex.open(ws).get(copy)?.status === 'succeeded');
    rmSync(runDir(ws, id), { recursive: true });
    await waitFor('the removed run to leave the index', () => RunIndex.open(ws).get(id) === undefined);
    expect(RunIndex.open(ws).list().map((r) => r.run_id)).toEqual([copy]);
    // Listed from the index alone: the daemon keeps it in step with runs/.
    await waitFor('the daemon to say it follows runs/', () => indexFollowed(ws));
    expect(ids(await listNewestRuns(ws, 5))).toEqual([copy]);
  });

  it('says it keeps the index in step with runs/ only while it does: not while a folder there cannot be read, nor once stopped', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const [id] = (await listRunIds(ws)) as [string];
    const pid = await startDaemon(ws);
    await waitFor('runs.followed to name the daemon', () => indexFollowed(ws));
    expect(readFileSync(daemonPaths(ws).runsFollowed, 'utf8').trim()).toBe(String(pid));
    // A folder put in by hand that does not read has no line: listings read runs/ while it is there.
    const broken = '20991231-235959-999-broken';
    mkdirSync(runDir(ws, broken));
    writeFileSync(path.join(runDir(ws, broken), 'metadata.json'), '{ not json');
    await waitFor('the daemon to withdraw runs.followed', () => !indexFollowed(ws));
    const ls = async (): Promise<string[]> => (JSON.parse(String((await cli(['ls', '--json', '--limit', '5', '--workspace', ws])).stdout)) as { run_id: string }[]).map((r) => r.run_id);
    expect(await ls()).toEqual([broken, id]);
    // Mended (its copy finished): it gets its line, and the index is trusted again.
    writeFileSync(path.join(runDir(ws, broken), 'metadata.json'), readFileSync(path.join(runDir(ws, id), 'metadata.json'), 'utf8').replaceAll(id, broken));
    await waitFor('runs.followed again once the folder reads', () => indexFollowed(ws));
    expect(RunIndex.open(ws).get(broken)?.status).toBe('succeeded');
    expect(await ls()).toEqual([broken, id]);
    rmSync(runDir(ws, broken), { recursive: true });
    await waitFor('the removed folder to leave the listing', async () => (await ls()).length === 1);
    expect(await ls()).toEqual([id]);
    expect((await cli(['daemon', 'stop', '--workspace', ws])).exitCode).toBe(0);
    expect(existsSync(daemonPaths(ws).runsFollowed)).toBe(false);
  });

  it('gives a folder that did not read when the daemon started its line once it reads (a copy still going on)', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const [id] = (await listRunIds(ws)) as [string];
    const late = '20991231-235959-999-latecp';
    mkdirSync(runDir(ws, late));
    writeFileSync(path.join(runDir(ws, late), 'metadata.json'), '{ half a cop');
    await startDaemon(ws);
    // Recovery met it unreadable: the index is not trusted while it has no line.
    await waitFor('the daemon to have looked at runs/', () => readFileSync(daemonPaths(ws).log, 'utf8').includes('serving'));
    expect(indexFollowed(ws)).toBe(false);
    writeFileSync(path.join(runDir(ws, late), 'metadata.json'), readFileSync(path.join(runDir(ws, id), 'metadata.json'), 'utf8').replaceAll(id, late));
    await waitFor('the late folder to get its line', () => RunIndex.open(ws).get(late)?.status === 'succeeded');
    await waitFor('runs.followed once every folder has a line', () => indexFollowed(ws));
    expect(ids(await listNewestRuns(ws, 5))).toEqual([late, id]);
  });

  it('rm removes the run from the index, and a daemon compacts an index of many lines to one a run', async () => {
    const ws = await tempWorkspace({ quick: QUICK });
    for (let i = 0; i < 2; i++) expect((await cli(['run', 'quick', '--foreground', '--workspace', ws])).exitCode).toBe(0);
    const [newest, oldest] = (await listRunIds(ws)) as [string, string];
    expect((await cli(['rm', oldest, '--workspace', ws])).exitCode).toBe(0);
    expect(RunIndex.open(ws).list().map((r) => r.run_id)).toEqual([newest]);
    // Many stale lines of the same run, as a long life of appends leaves them.
    const line = readFileSync(daemonPaths(ws).runIndex, 'utf8').trim().split('\n').at(-1) as string;
    appendFileSync(daemonPaths(ws).runIndex, `${line}\n`.repeat(1500));
    await startDaemon(ws, [], { PIPE_TUI_INDEX_COMPACT_MS: '100' });
    await waitFor('the index to be compacted', () => readFileSync(daemonPaths(ws).runIndex, 'utf8').trim().split('\n').length === 1, 15_000);
    expect(fromIndex(ws)).toEqual(await fromFolders(ws));
  });
});
