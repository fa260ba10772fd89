import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { RunEvent } from '../../src/shared/events.js';
import { cli } from '../helpers/cli.js';
import { connect, readMetadata, startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// Each stage appends its name to ran.txt, so a test can count how often each one really ran.
const counted = (id: string, extra = ''): string => `  - id: ${id}\n    run: 'echo ${id} >> ran.txt; mkdir -p out; echo x > out/${id}.txt${extra}'\n    outputs: [out/${id}.txt]\n`;
const ranCounts = async (ws: string): Promise<Record<string, number>> => {
  const lines = (await readFile(path.join(ws, 'ran.txt'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return lines.reduce<Record<string, number>>((n, l) => ({ ...n, [l]: (n[l] ?? 0) + 1 }), {});
};
const events = async (ws: string, runId: string): Promise<RunEvent[]> =>
  (await readFile(path.join(ws, 'runs', runId, 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => RunEvent.parse(JSON.parse(l)));

describe('steering runs through the daemon', () => {
  it('cancel stops a run that ignores SIGTERM (killed after the grace period) and leaves no grandchild', async () => {
    const ws = await tempWorkspace({ hang: "stages:\n  - id: hang\n    run: 'sleep 60 & echo $! > gc.pid; trap \"\" TERM; while true; do sleep 0.1; done'\n" });
    await startDaemon(ws);
    const runId = await startRun(ws, 'hang');
    const grandchild = await waitFor('the grandchild', async () => Number(await readFile(path.join(ws, 'gc.pid'), 'utf8')));
    const started = Date.now();
    const result = await cli(['cancel', runId, '--json', '--workspace', ws]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(String(result.stdout))).toEqual({ run_id: runId, status: 'cancelled' });
    // The stage ignores SIGTERM and loops for ever: only the KILL after the 3 s grace ends it. Far below the 60 s its
    // grandchild sleeps, with room for a loaded machine's slow CLI start.
    expect(Date.now() - started).toBeLessThan(30_000);
    await waitFor('the grandchild to be gone', () => !isAlive(grandchild), 10_000);
    expect((await readMetadata(ws, runId)).error?.code).toBe('ERR_CANCELLED');
  });

  it('queues runs beyond the concurrency limit; cancelling a queued run just takes it out of the queue', async () => {
    // The stage waits for the test's go, so the first run holds the only slot however slow the machine is.
    const ws = await tempWorkspace({ slow: "stages:\n  - id: slow\n    run: 'while [ ! -f go ]; do sleep 0.05; done; echo $PIPE_RUN_ID >> ran.txt'\n" });
    await startDaemon(ws, ['--concurrency', '1']);
    const first = await startRun(ws, 'slow');
    const second = await startRun(ws, 'slow');
    expect((await readMetadata(ws, second)).status).toBe('queued');
    await cli(['cancel', second, '--workspace', ws]);
    expect((await readMetadata(ws, second)).status).toBe('cancelled');
    await writeFile(path.join(ws, 'go'), '');
    await waitForRun(ws, first, 'to succeed', (r) => r.status === 'succeeded');
    expect((await readFile(path.join(ws, 'ran.txt'), 'utf8')).trim()).toBe(first);
  });

  it('after kill -9 of the daemon mid-stage, a restart marks the run interrupted and resume skips what is done', async () => {
    const ws = await tempWorkspace({
      five: `stages:\n${counted('a')}${counted('b')}  - id: c\n    run: 'echo c >> ran.txt; sleep 60 & echo $! > gc.pid; sleep 60'\n${counted('d')}${counted('e')}`,
    });
    const daemon = await startDaemon(ws);
    const runId = await startRun(ws, 'five');
    const grandchild = await waitFor('stage c', async () => Number(await readFile(path.join(ws, 'gc.pid'), 'utf8')));
    await waitFor('stage c to be recorded as running', async () => (await readMetadata(ws, runId)).stages[2]?.status === 'running');
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    expect(isAlive(grandchild)).toBe(true);
    // The pipeline is fixed meanwhile, and the daemon comes back.
    await writeFile(path.join(ws, 'pipelines', 'five.yaml'), `stages:\n${counted('a')}${counted('b')}${counted('c')}${counted('d')}${counted('e')}`);
    await startDaemon(ws);
    const interrupted = await readMetadata(ws, runId);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error).toMatchObject({ code: 'ERR_INTERRUPTED', stage: 'c' });
    await waitFor('the orphaned stage to be killed', () => !isAlive(grandchild), 5000);
    expect((await cli(['resume', runId, '--workspace', ws])).exitCode).toBe(0);
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    expect(await ranCounts(ws)).toEqual({ a: 1, b: 1, c: 2, d: 1, e: 1 });
  });

  it('resume runs a succeeded stage again when its outputs have vanished, and says why', async () => {
    const ws = await tempWorkspace({ two: `stages:\n${counted('a')}${counted('b', '; exit 1')}` });
    await startDaemon(ws);
    const runId = await startRun(ws, 'two');
    await waitForRun(ws, runId, 'to fail', (r) => r.status === 'failed');
    await rm(path.join(ws, 'out', 'a.txt'));
    await writeFile(path.join(ws, 'pipelines', 'two.yaml'), `stages:\n${counted('a')}${counted('b')}`);
    await cli(['resume', runId, '--workspace', ws]);
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    expect(await ranCounts(ws)).toEqual({ a: 2, b: 2 });
    const reset = (await events(ws, runId)).find((e) => e.type === 'stage.reset');
    expect(reset).toMatchObject({ stage: 0, reason: 'outputs missing or empty: out/a.txt' });
  });

  it('reset --to forgets a stage and the later ones; resume runs only those', async () => {
    const ws = await tempWorkspace({ three: `stages:\n${counted('a')}${counted('b')}${counted('c')}` });
    await startDaemon(ws);
    const runId = await startRun(ws, 'three');
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    const reset = await cli(['reset', runId, '--to', 'b', '--workspace', ws]);
    expect(reset.exitCode).toBe(0);
    const afterReset = await readMetadata(ws, runId);
    expect(afterReset.stages.map((s) => s.status)).toEqual(['succeeded', 'pending', 'pending']);
    await cli(['resume', runId, '--workspace', ws]);
    // The run still says succeeded until the resume's events land: wait for a newer state that has finished.
    await waitForRun(ws, runId, 'to succeed again', (r) => r.seq > afterReset.seq && r.status === 'succeeded');
    expect(await ranCounts(ws)).toEqual({ a: 1, b: 2, c: 2 });
    const bad = await cli(['reset', runId, '--to', 'zzz', '--workspace', ws]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^pipe-tui: ERR_STAGE_NOT_FOUND: /);
  });

  it('holds a run at an approval gate until approve, and records who approved when', async () => {
    const ws = await tempWorkspace({ gated: `stages:\n${counted('draft')}  - id: publish\n    approval: true\n    run: 'echo publish >> ran.txt'\n` });
    await startDaemon(ws);
    const runId = await startRun(ws, 'gated');
    const waiting = await waitForRun(ws, runId, 'to wait for approval', (r) => r.status === 'awaiting_approval');
    expect(waiting.stages[1]?.status).toBe('awaiting_approval');
    expect(await ranCounts(ws)).toEqual({ draft: 1 });
    const approve = await cli(['approve', runId, '--workspace', ws], { env: { PIPE_TUI_USER: 'alice' } });
    expect(approve.exitCode).toBe(0);
    const done = await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    expect(done.stages[1]).toMatchObject({ approved_by: 'alice' });
    expect(typeof done.stages[1]?.approved_at).toBe('string');
    expect((await cli(['approve', runId, '--workspace', ws])).stderr).toMatch(/ERR_RUN_STATE/);
  });

  it('fails an approval that times out with ERR_APPROVAL_TIMEOUT', async () => {
    const ws = await tempWorkspace({ gated: "stages:\n  - id: publish\n    approval: true\n    approval_timeout: 300ms\n    run: 'true'\n" });
    await startDaemon(ws);
    const runId = await startRun(ws, 'gated');
    const failed = await waitForRun(ws, runId, 'to fail', (r) => r.status === 'failed');
    expect(failed.error?.code).toBe('ERR_APPROVAL_TIMEOUT');
  });

  it('opens a circuit after consecutive failures across runs: stages fail fast with ERR_CIRCUIT_OPEN', async () => {
    const ws = await tempWorkspace({
      api: "stages:\n  - id: call\n    circuit: openai\n    run: 'echo call >> ran.txt; exit 1'\n",
    });
    await startDaemon(ws, ['--circuit-threshold', '2', '--circuit-cooldown', '30s']);
    for (let i = 0; i < 2; i++) {
      const runId = await startRun(ws, 'api');
      await waitForRun(ws, runId, 'to fail', (r) => r.status === 'failed');
    }
    const fast = await startRun(ws, 'api');
    const failed = await waitForRun(ws, fast, 'to fail fast', (r) => r.status === 'failed');
    expect(failed.error?.code).toBe('ERR_CIRCUIT_OPEN');
    expect(await ranCounts(ws)).toEqual({ call: 2 });
    const connection = await connect(ws);
    const snapshot = await new Promise((resolve) => {
      connection.onMessage = (m) => m.type === 'snapshot' && resolve(m.circuits);
      connection.subscribe([]);
    });
    connection.close();
    expect(snapshot).toEqual([expect.objectContaining({ key: 'openai', failures: 2 })]);
    expect((snapshot as { open_until: string | null }[])[0]?.open_until).not.toBeNull();
    await waitFor('circuits.json', async () => (await readFile(daemonPaths(ws).circuits, 'utf8').catch(() => '')).includes('openai'));
    const status = JSON.parse(String((await cli(['daemon', 'status', '--json', '--workspace', ws])).stdout));
    expect(status.open_circuits).toEqual([expect.objectContaining({ key: 'openai' })]);
    expect(String((await cli(['ls', '--workspace', ws])).stdout)).toMatch(/circuit openai is open until/);
  });

  it('rebuilds a corrupt metadata.json from events.ndjson at start, and reports one it cannot rebuild', async () => {
    const ws = await tempWorkspace({ one: `stages:\n${counted('a')}` });
    await startDaemon(ws);
    const runId = await startRun(ws, 'one');
    const good = await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    await cli(['daemon', 'stop', '--workspace', ws]);
    await writeFile(path.join(ws, 'runs', runId, 'metadata.json'), '{"schema_version": 1, "run_id": "tru');
    const hopeless = '20000101-000000-000-broken';
    await cli(['run', 'one', '--foreground', '--workspace', ws]);
    await import('node:fs/promises').then((fs) => fs.mkdir(path.join(ws, 'runs', hopeless)));
    await writeFile(path.join(ws, 'runs', hopeless, 'metadata.json'), 'garbage');
    await startDaemon(ws);
    // A finished run is checked after the daemon is up (the index says it is finished), and repaired then.
    expect(await waitFor('the finished run to be rebuilt', () => readMetadata(ws, runId).catch(() => null))).toEqual(good);
    await waitFor('the hopeless run to be reported', async () => (await readFile(daemonPaths(ws).log, 'utf8')).includes(`recovery: corrupt: ${hopeless}`));
    expect(await readFile(path.join(ws, 'runs', hopeless, 'metadata.json'), 'utf8')).toBe('garbage');
    expect(lockHolder(daemonPaths(ws).pid)).not.toBeNull();
  });

  it('at recovery also kills a stage process whose start was never recorded (it carries the run id)', async () => {
    const ws = await tempWorkspace({ hang: "stages:\n  - id: hang\n    run: 'sleep 60'\n" });
    const daemon = await startDaemon(ws);
    const runId = await startRun(ws, 'hang');
    await waitForRun(ws, runId, 'to be running', (r) => r.stages[0]?.status === 'running');
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    // A process of this run that no event names: as if the daemon died between spawning it and recording it.
    const stray = execa('sleep', ['60'], { detached: true, env: { PIPE_RUN_ID: runId }, reject: false });
    await startDaemon(ws);
    await waitFor('the unrecorded stage process to be killed', () => !isAlive(stray.pid as number), 5000);
    expect((await readMetadata(ws, runId)).status).toBe('interrupted');
  });
});
