import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { readMetadata, startDaemon, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const SLOW = "stages:\n  - id: s\n    run: 'sleep 30'\n";
// Writes its parameters where the test can read them, and fails when told to.
const ECHO = "name: echo\nparams:\n  word: { default: a }\n  fail: { default: 'no' }\nstages:\n  - id: say\n    run: 'echo \"$PIPE_PARAM_WORD\" >> said.txt; [ \"$PIPE_PARAM_FAIL\" = no ]'\n";

describe('the short id the TUI shows, through the daemon', () => {
  it('cancel, resume and status take the suffix, a prefix, or latest', async () => {
    const ws = await tempWorkspace({ slow: SLOW });
    await startDaemon(ws);
    const runId = String((await cli(['run', 'slow', '--workspace', ws])).stdout).trim();
    await waitForRun(ws, runId, 'to be running', (r) => r.stages[0]?.status === 'running');
    const cancel = await cli(['cancel', runId.slice(-6), '--workspace', ws]);
    expect(cancel.exitCode, String(cancel.stderr)).toBe(0);
    expect(cancel.stdout).toBe(`${runId}: cancelled (now cancelled)`);
    const resume = await cli(['resume', 'latest', '--workspace', ws]);
    expect(resume.exitCode, String(resume.stderr)).toBe(0);
    expect(resume.stdout).toMatch(new RegExp(`^${runId}: resumed`));
    await waitForRun(ws, runId, 'to run again', (r) => r.status === 'running');
    expect((await cli(['cancel', runId.slice(0, 17), '--json', '--workspace', ws])).stdout).toContain('"status": "cancelled"');
    const missing = await cli(['cancel', 'nosuch', '--workspace', ws]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(new RegExp(`^pipe-tui: ERR_RUN_NOT_FOUND: no run "nosuch" in .*; the newest:\\n  ${runId}  slow  cancelled`));
  });
});

describe('rerun', () => {
  it('starts the same pipeline with the same parameters, the -p ones changed, and prints the new id', async () => {
    const ws = await tempWorkspace({ echo: ECHO });
    await startDaemon(ws);
    const first = String((await cli(['run', 'echo', '-p', 'word=hello', '--workspace', ws])).stdout).trim();
    await waitForRun(ws, first, 'to succeed', (r) => r.status === 'succeeded');
    const rerun = await cli(['rerun', first.slice(-6), '--workspace', ws]);
    expect(rerun.exitCode, String(rerun.stderr)).toBe(0);
    const second = String(rerun.stdout).trim();
    expect(second).not.toBe(first);
    expect((await waitForRun(ws, second, 'to succeed', (r) => r.status === 'succeeded')).params).toEqual({ word: 'hello', fail: 'no' });
    const changed = await cli(['rerun', second, '-p', 'word=bye', '--json', '--workspace', ws]);
    const third = JSON.parse(String(changed.stdout)) as { run_id: string; rerun_of: string };
    expect(third.rerun_of).toBe(second);
    expect((await waitForRun(ws, third.run_id, 'to succeed', (r) => r.status === 'succeeded')).params).toEqual({ word: 'bye', fail: 'no' });
  });

  it('reads the pipeline file the run was made from, and --follow exits as the new run ends', async () => {
    const ws = await tempWorkspace();
    await mkdir(path.join(ws, 'jobs'));
    await writeFile(path.join(ws, 'jobs', 'nightly.yaml'), ECHO);
    await startDaemon(ws);
    const first = String((await cli(['run', path.join(ws, 'jobs', 'nightly.yaml'), '--workspace', ws])).stdout).trim();
    expect((await waitForRun(ws, first, 'to succeed', (r) => r.status === 'succeeded')).pipeline_file).toBe('jobs/nightly.yaml');
    const failing = await cli(['rerun', first, '-p', 'fail=yes', '--follow', '--workspace', ws]);
    expect(failing.exitCode).toBe(1);
    const second = String(failing.stdout).split('\n')[0] as string;
    // The feed told --follow of the failure; metadata.json is written from the same event, a moment apart.
    const run = await waitForRun(ws, second, 'to be failed in its metadata.json', (r) => r.status === 'failed');
    expect(run).toMatchObject({ status: 'failed', pipeline_file: 'jobs/nightly.yaml', params: { word: 'a', fail: 'yes' } });
  });
});
