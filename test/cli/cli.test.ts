import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { RunMetadata } from '../../src/shared/metadata-schema.js';
import { BIN, cli } from '../helpers/cli.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const OK = "stages:\n  - id: one\n    run: 'echo hello from one; echo ::pipe:progress 1/1 done'\n  - id: two\n    run: 'echo two'\n";
const FAILS = "stages:\n  - id: one\n    run: 'echo bad >&2; exit 4'\n";

describe('pipe-tui CLI', () => {
  it('validate names every problem of a broken pipeline with its path, exits 2, prints no stack', async () => {
    const ws = await tempWorkspace();
    const file = path.join(ws, 'broken.yaml');
    await writeFile(file, 'stages:\n  - id: a\n    run: x\n    timeout: 5 minutes\n  - id: b\n  - id: a\n    run: y\n    retires: 3\n');
    const { exitCode, stderr, stdout } = await cli(['validate', file]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^pipe-tui: ERR_PIPELINE_INVALID: /);
    expect(stderr).toContain('stages.0.timeout: not a duration');
    expect(stderr).toContain('stages.1.run: required');
    expect(stderr).toContain('stages.2.retires: unknown key');
    expect(stderr).toContain('stages.2.id: duplicate stage id "a"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('validate refuses invalid YAML with a code, and accepts the repository examples', async () => {
    const ws = await tempWorkspace();
    await writeFile(path.join(ws, 'bad.yaml'), 'stages: [ {id: a, run: x\n');
    const bad = await cli(['validate', path.join(ws, 'bad.yaml')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^pipe-tui: ERR_PIPELINE_INVALID: .*not valid YAML/);
    for (const name of ['hello', 'podcast', 'archive']) {
      const good = await cli(['validate', `pipelines/${name}.yaml`, '--json']);
      expect(good.exitCode).toBe(0);
      expect(JSON.parse(good.stdout)).toMatchObject({ valid: true, name });
    }
  });

  it('run --foreground prints plain lines when piped and exits 0 or 1', async () => {
    const ws = await tempWorkspace({ ok: OK, fails: FAILS });
    const ok = await cli(['run', 'ok', '--foreground', '--workspace', ws]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('[one] 1/1 done');
    expect(ok.stdout).toMatch(/run \S+ succeeded/);
    const fails = await cli(['run', 'fails', '--foreground', '--json'], { env: { PIPE_TUI_WORKSPACE: ws } });
    expect(fails.exitCode).toBe(1);
    expect(JSON.parse(fails.stdout)).toMatchObject({ status: 'failed', error: { code: 'ERR_STAGE_EXIT', stage: 'one' } });
  });

  it('ls, status and logs read the runs, with --json', async () => {
    const ws = await tempWorkspace({ ok: OK, fails: FAILS });
    await cli(['run', 'ok', '--foreground', '--workspace', ws]);
    await cli(['run', 'fails', '--foreground', '--workspace', ws]);
    const ls = JSON.parse((await cli(['ls', '--json', '--workspace', ws])).stdout) as { run_id: string; pipeline: string; status: string }[];
    expect(ls.map((r) => [r.pipeline, r.status])).toEqual([['fails', 'failed'], ['ok', 'succeeded']]);
    const [failed, succeeded] = ls;
    const status = await cli(['status', succeeded!.run_id, '--json', '--workspace', ws]);
    expect(RunMetadata.parse(JSON.parse(status.stdout)).status).toBe('succeeded');
    const logs = await cli(['logs', succeeded!.run_id, 'one', '--workspace', ws]);
    expect(logs.stdout).toContain('hello from one\n');
    expect(logs.stdout).not.toContain('::pipe:progress');
    const lastLog = await cli(['logs', failed!.run_id, '--workspace', ws]);
    expect(lastLog.stdout).toContain('bad\n');
    const human = await cli(['status', failed!.run_id, '--workspace', ws]);
    expect(human.stdout).toContain('ERR_STAGE_EXIT');
  });

  it('refuses bogus run ids, unknown runs and options with a coded one-line error and exit 2', async () => {
    const ws = await tempWorkspace();
    const cases: [string[], string][] = [
      [['status', '../../etc/passwd'], 'ERR_RUN_ID_INVALID'],
      [['status', '20990101-000000-000-nosuch'], 'ERR_RUN_NOT_FOUND'],
      [['logs', '..'], 'ERR_RUN_ID_INVALID'],
      [['ls', '--bogus'], 'ERR_USAGE'],
      [['run', 'nope', '--foreground'], 'ERR_PIPELINE_NOT_FOUND'],
      [['frobnicate'], 'ERR_USAGE'],
    ];
    for (const [args, code] of cases) {
      const result = await cli([...args, '--workspace', ws]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^pipe-tui: ${code}: `));
    }
  });

  it('entity prints an entity by type or sequence, and refuses one that does not exist', async () => {
    const ws = await tempWorkspace({ ent: "stages:\n  - id: make\n    run: |\n      echo first > a.txt\n      echo second > b.txt\n      echo '::pipe:entity note a.txt'\n      echo '::pipe:entity note b.txt'\n" });
    await cli(['run', 'ent', '--foreground', '--workspace', ws]);
    const runId = (JSON.parse(String((await cli(['ls', '--json', '--workspace', ws])).stdout)) as { run_id: string }[])[0]?.run_id as string;
    expect((await cli(['entity', runId, 'note', '--workspace', ws])).stdout).toBe('second');
    expect((await cli(['entity', runId, '1', '--workspace', ws])).stdout).toBe('first');
    const missing = await cli(['entity', runId, 'video', '--workspace', ws]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^pipe-tui: ERR_ENTITY_NOT_FOUND: .*entities: 1:note, 2:note/);
  });

  it('lists a corrupt run as corrupt instead of failing', async () => {
    const ws = await tempWorkspace({ ok: OK });
    await cli(['run', 'ok', '--foreground', '--workspace', ws]);
    await mkdir(path.join(ws, 'runs', '20000101-000000-000-broken'));
    await writeFile(path.join(ws, 'runs', '20000101-000000-000-broken', 'metadata.json'), '{"schema_version": 1, "run_');
    const ls = await cli(['ls', '--json', '--workspace', ws]);
    expect(ls.exitCode).toBe(0);
    const runs = JSON.parse(ls.stdout) as { status: string; error: { code: string } | null }[];
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'corrupt']);
    expect(runs[1]?.error?.code).toBe('ERR_METADATA_CORRUPT');
    const status = await cli(['status', '20000101-000000-000-broken', '--workspace', ws]);
    expect(status.stderr).toMatch(/^pipe-tui: ERR_METADATA_CORRUPT: /);
  });

  it('Ctrl-C in the foreground cancels cleanly: exit 130, process group gone, run cancelled', async () => {
    const ws = await tempWorkspace({
      long: "stages:\n  - id: wait\n    run: 'sleep 60 & echo $! > gc.pid; echo ::pipe:progress 1/10 waiting; wait'\n  - id: after\n    run: 'true'\n",
    });
    const child = execa('node', [BIN, 'run', 'long', '--foreground', '--workspace', ws], { reject: false });
    const pid = await waitFor('the stage to start its grandchild', async () => Number(await readFile(path.join(ws, 'gc.pid'), 'utf8')));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    const [runId] = JSON.parse((await cli(['ls', '--json', '--workspace', ws])).stdout).map((r: { run_id: string }) => r.run_id);
    const run = RunMetadata.parse(JSON.parse(await readFile(path.join(ws, 'runs', runId, 'metadata.json'), 'utf8')));
    expect(run.status).toBe('cancelled');
    expect(run.error?.code).toBe('ERR_CANCELLED');
    expect(run.stages.map((s) => s.status)).toEqual(['cancelled', 'pending']);
    await waitFor('the grandchild to be gone', () => !isAlive(pid), 5000);
  });
});

describe('pipe-tui CLI through the daemon', () => {
  afterEach(async () => {
    const { stopDaemons } = await import('../helpers/daemon.js');
    await stopDaemons();
  });

  it('run --follow exits 0 for a succeeded run, 1 for a failed one, 130 for a cancelled one', async () => {
    const ws = await tempWorkspace({ ok: OK, fails: FAILS, slow: "stages:\n  - id: s\n    run: 'sleep 30'\n" });
    const { startDaemon } = await import('../helpers/daemon.js');
    await startDaemon(ws);
    const ok = await cli(['run', 'ok', '--follow', '--workspace', ws]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/run \S+ succeeded/);
    const fails = await cli(['run', 'fails', '--follow', '--json', '--workspace', ws]);
    expect(fails.exitCode).toBe(1);
    expect(JSON.parse(String(fails.stdout).trim().split('\n').at(-1) ?? '')).toMatchObject({ status: 'failed', error: { code: 'ERR_STAGE_EXIT' } });
    const follow = cli(['run', 'slow', '--follow', '--workspace', ws]);
    const runId = await waitFor('the run to be listed', async () => {
      const runs = JSON.parse(String((await cli(['ls', '--json', '--workspace', ws])).stdout)) as { run_id: string; pipeline: string; status: string }[];
      return runs.find((r) => r.pipeline === 'slow' && r.status === 'running')?.run_id;
    });
    await cli(['cancel', runId, '--workspace', ws]);
    expect((await follow).exitCode).toBe(130);
  });
});
