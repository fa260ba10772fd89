import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import { finalStatus, slurmAvailable, sstat } from '../../src/daemon/slurm/slurm-cli.js';
import { BIN, cli } from '../helpers/cli.js';
import { TmuxSession } from '../helpers/tmux.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

// A real one-node Slurm (../shared/slurm/start-slurm.sh; .ci/run starts it). Without one, these are skipped
// locally and fail in CI.
const hasSlurm = await slurmAvailable();
const describeSlurm = hasSlurm || process.env.CI ? describe : describe.skip;

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const count = async (file: string, needle: string): Promise<number> => (await readFile(file, 'utf8')).split('\n').filter((l) => l.includes(needle)).length;

describeSlurm('stages on a real Slurm', () => {
  it('runs a stage as a job: progress, entities, its log, the job recorded, parameters only in its environment', async () => {
    const ws = await tempWorkspace({
      p: `params:\n  who: { default: x }\nexecutor: slurm\nstages:\n  - id: work\n    run: 'echo "hi $PIPE_PARAM_WHO in $SLURM_JOB_ID"; echo ::pipe:progress 1/2 half; sleep 0.3; echo data > out.txt; echo ::pipe:entity result out.txt {\\"n\\":1}; echo ::pipe:progress 2/2 done'\n    slurm: { cpus: 1, mem: 100M, args: [--comment=pipe-tui-test] }\n`,
    });
    const { final, recorder } = await runIn(ws, 'p', { params: { who: '$(touch pwned)' } });
    expect(final.status).toBe('succeeded');
    const stage = final.stages[0];
    expect(stage?.job).toMatchObject({ executor: 'slurm', id: expect.stringMatching(/^\d+$/), state: 'COMPLETED', output: 'slurm/00_work.1.out' });
    expect(stage?.progress).toMatchObject({ current: 2, total: 2, message: 'done' });
    expect(final.entities).toEqual([expect.objectContaining({ type: 'result', filename: '01_result.txt', metadata: { n: 1 } })]);
    const log = await readFile(path.join(recorder.dir, 'logs', '00_work.log'), 'utf8');
    expect(log).toContain(`hi $(touch pwned) in ${stage?.job?.id}`);
    expect(log).not.toContain('::pipe:');
    const script = await readFile(path.join(recorder.dir, 'slurm', '00_work.1.sh'), 'utf8');
    expect(script).not.toContain('touch pwned');
    await expect(readFile(path.join(ws, 'pwned'))).rejects.toThrow();
    const shown = await execa('scontrol', ['show', 'job', stage?.job?.id ?? '']);
    expect(shown.stdout).toMatch(/MinMemoryNode=100M/);
    expect(shown.stdout).toMatch(/Comment=pipe-tui-test/);
  });

  it("fails with the job's exit code, and is retried like a local stage", async () => {
    const ws = await tempWorkspace({
      p: "executor: slurm\nstages:\n  - id: work\n    run: 'echo try $PIPE_ATTEMPT; exit 4'\n    retries: { attempts: 2, min: 100ms, max: 100ms }\n",
    });
    const { final, recorder } = await runIn(ws, 'p');
    expect(final.status).toBe('failed');
    expect(final.stages[0]).toMatchObject({ attempts: 2, error: { code: 'ERR_STAGE_EXIT', exit_code: 4 }, job: { state: 'FAILED' } });
    const log = await readFile(path.join(recorder.dir, 'logs', '00_work.log'), 'utf8');
    expect(log).toContain('try 1');
    expect(log).toContain('try 2');
  });

  it('cancels a running job with scancel, and ends a stage past its own timeout the same way', async () => {
    const ws = await tempWorkspace({
      slow: "executor: slurm\nstages:\n  - id: work\n    run: 'echo ::pipe:progress 1/2 up; sleep 120'\n",
      late: "executor: slurm\nstages:\n  - id: work\n    run: 'sleep 120'\n    timeout: 2s\n",
    });
    const controller = new AbortController();
    const cancelled = runIn(ws, 'slow', {
      signal: controller.signal,
      onStart: (recorder) => recorder.subscribe((_, state) => state.stages[0]?.progress && controller.abort()),
    });
    const { final } = await cancelled;
    expect(final.status).toBe('cancelled');
    expect(final.stages[0]?.error?.code).toBe('ERR_CANCELLED');
    const id = final.stages[0]?.job?.id ?? '';
    expect((await finalStatus(id))?.state).toBe('CANCELLED');

    const late = await runIn(ws, 'late');
    expect(late.final.stages[0]?.error?.code).toBe('ERR_STAGE_TIMEOUT');
    expect((await finalStatus(late.final.stages[0]?.job?.id ?? ''))?.state).toBe('CANCELLED');
  });

  it("maps Slurm's own time limit (TIMEOUT) to ERR_STAGE_TIMEOUT", async () => {
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: work\n    run: 'sleep 600'\n    slurm: { time: 1m }\n" });
    const { final } = await runIn(ws, 'p');
    expect(final.stages[0]).toMatchObject({ status: 'failed', error: { code: 'ERR_STAGE_TIMEOUT' }, job: { state: 'TIMEOUT' } });
  }, 180_000);

  it('takes a running job up again after the daemon is killed -9: the job runs once, the run goes on', async () => {
    const ws = await tempWorkspace({
      p: "executor: slurm\nstages:\n  - id: work\n    run: 'echo \"job $SLURM_JOB_ID\" >> starts.txt; for i in 1 2 3 4 5 6; do echo ::pipe:progress $i/6; sleep 0.5; done; echo ::pipe:entity note starts.txt'\n  - id: after\n    executor: local\n    run: 'true'\n",
    });
    const pid = await startDaemon(ws);
    const runId = await startRun(ws, 'p');
    await waitForRun(ws, runId, 'its job to run', (r) => (r.stages[0]?.progress?.current ?? 0) >= 2, 30_000);
    process.kill(pid, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(pid));
    await startDaemon(ws);
    const done = await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded', 30_000);
    expect(done.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(done.stages[0]?.progress).toMatchObject({ current: 6, total: 6 });
    expect(done.entities.map((e) => e.type)).toEqual(['note']);
    expect(await count(path.join(ws, 'starts.txt'), 'job ')).toBe(1);
    expect(await readFile(daemonPaths(ws).log, 'utf8')).toContain(`recovery: adopted: ${runId}`);
    const log = await readFile(path.join(ws, 'runs', runId, 'logs', '00_work.log'), 'utf8');
    expect(log).toMatch(/attempt 1 taken up again after a daemon restart: Slurm job \d+/);
  }, 60_000);

  it('daemon stop leaves a Slurm job running; the next daemon takes it up and finishes the run', async () => {
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: work\n    run: 'echo start >> starts.txt; echo ::pipe:progress 1/2 up; sleep 3'\n" });
    await startDaemon(ws);
    const runId = await startRun(ws, 'p');
    const running = await waitForRun(ws, runId, 'its job to run', (r) => r.stages[0]?.progress !== null, 30_000);
    expect((await cli(['daemon', 'stop', '--workspace', ws])).exitCode).toBe(0);
    const left = await waitForRun(ws, runId, 'to stay running', (r) => r.status === 'running');
    expect(left.stages[0]?.error).toBeNull();
    expect(['PENDING', 'RUNNING', 'COMPLETING', 'COMPLETED']).toContain((await finalStatus(running.stages[0]?.job?.id ?? ''))?.state);
    await startDaemon(ws);
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded', 30_000);
    expect(await count(path.join(ws, 'starts.txt'), 'start')).toBe(1);
  }, 60_000);

  it('settles a job that ended while the daemon was down from its final state and exit code', async () => {
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: work\n    run: 'echo ::pipe:progress 1/2 half; sleep 2; echo last words; exit 3'\n" });
    const pid = await startDaemon(ws);
    const runId = await startRun(ws, 'p');
    const running = await waitForRun(ws, runId, 'its job to run', (r) => r.stages[0]?.progress !== null && r.stages[0]?.job !== null, 30_000);
    process.kill(pid, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(pid));
    // The job ends while no daemon watches it.
    await waitFor('the job to end', async () => ['FAILED'].includes((await finalStatus(running.stages[0]?.job?.id ?? ''))?.state ?? ''), 30_000);
    await startDaemon(ws);
    const done = await waitForRun(ws, runId, 'to fail', (r) => r.status === 'failed', 30_000);
    expect(done.stages[0]).toMatchObject({ error: { code: 'ERR_STAGE_EXIT', exit_code: 3 }, job: { state: 'FAILED' } });
    expect(await readFile(path.join(ws, 'runs', runId, 'logs', '00_work.log'), 'utf8')).toContain('last words');
  }, 60_000);

  it('keeps an error a job reported before the daemon was killed: taken up again, the stage still fails with it', async () => {
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: work\n    run: 'echo ::pipe:error ERR_UPSTREAM_GONE the API answered 410; echo ::pipe:progress 1/2 noted; sleep 3; exit 0'\n" });
    const pid = await startDaemon(ws);
    const runId = await startRun(ws, 'p');
    // Progress comes after the error line: once it shows, the error line has been read.
    await waitForRun(ws, runId, 'the error line to be read', (r) => r.stages[0]?.progress?.current === 1, 30_000);
    process.kill(pid, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(pid));
    await startDaemon(ws);
    const done = await waitForRun(ws, runId, 'to fail', (r) => r.status === 'failed', 30_000);
    expect(done.stages[0]?.error).toMatchObject({ code: 'ERR_UPSTREAM_GONE', message: 'the API answered 410' });
  }, 60_000);

  it('asks the job completion log (sacct -c) for a job slurmctld no longer holds', async () => {
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: work\n    run: 'exit 6'\n" });
    const { final } = await runIn(ws, 'p');
    const id = final.stages[0]?.job?.id ?? '';
    // A scontrol that no longer knows the job, as after MinJobAge; sacct -c is the real one.
    const bin = path.join(ws, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'scontrol'), '#!/bin/sh\necho "slurm_load_jobs error: Invalid job id specified" >&2\nexit 1\n', { mode: 0o755 });
    const PATH = process.env.PATH;
    process.env.PATH = `${bin}:${PATH}`;
    try {
      expect(await finalStatus(id)).toEqual({ state: 'FAILED', reason: null, exitCode: 6, signal: 0 });
    } finally {
      process.env.PATH = PATH;
    }
  });

  it("shows a running job's memory and CPU where sstat answers, and 'mem unknown' where it does not", async () => {
    // Holds 150 MB and keeps a core busy until the test lets it go (a minute at most).
    const hold = `import os, time
b = bytearray(150 << 20)
for i in range(0, len(b), 4096): b[i] = 1
print("::pipe:progress 1/2 holding", flush=True)
t = time.time()
while not os.path.exists("release") and time.time() - t < 60: pass
print("::pipe:progress 2/2 let go", flush=True)`;
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: hold\n    run: 'python3 hold.py'\n" });
    await writeFile(path.join(ws, 'hold.py'), hold);
    await startDaemon(ws);
    const runId = await startRun(ws, 'p');
    const MB100 = 100 * 1024 * 1024;
    let answers = false;
    try {
      const holding = await waitForRun(ws, runId, 'its job to hold the memory', (r) => r.stages[0]?.progress?.current === 1 && r.stages[0]?.job?.state === 'RUNNING', 60_000);
      const id = holding.stages[0]?.job?.id ?? '';
      // The job runs and has allocated: its batch step exists, so one question says whether this cluster answers.
      answers = (await sstat([id]))?.has(id) ?? false;
      if (answers) {
        const measured = await waitForRun(ws, runId, 'its memory to be measured', (r) => (r.stages[0]?.resources?.rss_bytes ?? 0) >= MB100, 30_000);
        expect(measured.stages[0]?.resources?.peak_rss_bytes).toBeGreaterThanOrEqual(MB100);
        const shown = await cli(['status', runId, '--workspace', ws]);
        expect(String(shown.stdout)).toMatch(/hold\b.*\d+(\.\d+)? MiB \d+%/);
      } else {
        const shown = await cli(['status', runId, '--workspace', ws]);
        expect(String(shown.stdout)).toMatch(/hold\b.*mem unknown/);
      }
    } finally {
      // Let go of the job whatever happened: it would hold a core for a minute.
      await writeFile(path.join(ws, 'release'), '');
    }
    const done = await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded', 30_000);
    if (answers) {
      expect(done.stages[0]?.resources?.peak_rss_bytes).toBeGreaterThanOrEqual(MB100);
      expect(done.stages[0]?.resources?.cpu_s).toBeGreaterThan(0);
    } else {
      expect(done.stages[0]?.resources).toBeNull();
    }
  }, 150_000);

  it('runs a fan-out as a job array (max_parallel as its limit); an item that fails is retried as a job of its own', async () => {
    // Items mark themselves running in the workspace (one node: the same disk), note how many run at once, and
    // say which task of which array they are; `$(touch pwned)` is an item, never a piece of a command line.
    const ws = await tempWorkspace({
      fan: `executor: slurm
stages:
  - id: fan
    foreach: [a, "b c", "$(touch pwned)", bad, e]
    max_parallel: 2
    retries: { attempts: 2, min: 100ms, max: 100ms }
    run: 'touch "on.$PIPE_ITEM_INDEX"; ls on.* | wc -l >> at-once.txt; echo "item $PIPE_ITEM_INDEX=[$PIPE_ITEM] array $SLURM_ARRAY_JOB_ID task $SLURM_ARRAY_TASK_ID"; sleep 0.5; rm "on.$PIPE_ITEM_INDEX"; test "$PIPE_ITEM" != bad'
`,
    });
    const { final, recorder } = await runIn(ws, 'fan');
    expect(final.error).toMatchObject({ code: 'ERR_ITEMS_FAILED' });
    expect(final.stages[0]?.items).toMatchObject({ total: 5, succeeded: 4, failed: [{ index: 3, attempts: 2 }] });
    const logOf = (item: number) => readFile(path.join(recorder.dir, 'logs', '00_fan', `item-0000${item}.log`), 'utf8');
    // Every first attempt was a task of the same array, item i its task i; the item's value only in its environment.
    const arrays = new Set<string>();
    for (const item of [0, 1, 2, 3, 4]) {
      const said = /item (\d+)=\[(.*)\] array (\d+) task (\d+)/.exec(await logOf(item));
      expect(said?.slice(1, 2)).toEqual([String(item)]);
      expect(said?.[4]).toBe(String(item));
      arrays.add(said?.[3] ?? '');
    }
    expect(arrays.size).toBe(1);
    expect(await logOf(2)).toContain('=[$(touch pwned)]');
    await expect(readFile(path.join(ws, 'pwned'))).rejects.toThrow();
    // The retry of item 3 was a job of its own, not a task.
    expect(await logOf(3)).toMatch(/attempt 2 of 2[\s\S]*item 3=\[bad\] array  task \n/);
    expect(Math.max(...(await readFile(path.join(ws, 'at-once.txt'), 'utf8')).trim().split('\n').map(Number))).toBeLessThanOrEqual(2);
    expect((await readdir(path.join(recorder.dir, 'slurm'))).filter((f) => f.endsWith('.sh'))).toEqual([expect.stringMatching(/^00_fan\.array-\d+-0\.sh$/), '00_fan.item3.2.sh']);
  });

  it('cancelling a Slurm fan-out cancels its array: no task left running or pending', async () => {
    const ws = await tempWorkspace({ fan: `executor: slurm\nstages:\n  - id: fan\n    foreach: [a, b, c, d, e, f]\n    max_parallel: 2\n    run: 'sleep 60'\n` });
    await startDaemon(ws);
    const id = await startRun(ws, 'fan');
    await waitForRun(ws, id, 'two items running', (r) => (r.stages[0]?.items?.running.length ?? 0) >= 2, 60_000);
    expect((await cli(['cancel', id, '--workspace', ws])).exitCode).toBe(0);
    await waitForRun(ws, id, 'to be cancelled', (r) => r.status === 'cancelled', 30_000);
    await waitFor('no task of its array left', async () => {
      const queued = await execa('squeue', ['-h', '-n', `pipe-${id}-fan`, '-t', 'PENDING,RUNNING,CONFIGURING,COMPLETING'], { reject: false });
      return String(queued.stdout).trim() === '';
    }, 30_000);
  });

  it('refuses bad slurm options with their paths', async () => {
    const ws = await tempWorkspace({ p: "stages:\n  - id: work\n    run: 'true'\n    executor: pbs\n    slurm: { mem: lots, args: [rm -rf] }\n" });
    const { exitCode, stderr } = await cli(['validate', path.join(ws, 'pipelines', 'p.yaml')]);
    expect(exitCode).toBe(2);
    expect(String(stderr)).toContain('stages.0.executor');
    expect(String(stderr)).toContain('stages.0.slurm.mem: a size such as 500M or 4G');
    expect(String(stderr)).toContain('stages.0.slurm.args.0: an sbatch option');
    expect(await readdir(ws)).not.toContain('runs');
  });
});

describeSlurm('a Slurm stage in the TUI (tmux)', () => {
  it('shows the job id and what Slurm says of it, then the stage done', async () => {
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: work\n    run: 'for i in 1 2 3 4 5 6; do echo ::pipe:progress $i/6; sleep 0.5; done'\n" });
    const session = await TmuxSession.start(`node ${BIN} --workspace ${ws}`, { env: { NO_COLOR: '1' }, width: 100 });
    try {
      await session.waitForScreen(/● live/, 15_000);
      await session.keys('n', 'p', 'Enter');
      // The job's id and state, then its progress as the job reports it (the job may run a moment before its first line).
      await session.waitForScreen(/▶ work +slurm \d+ RUNNING/, 30_000);
      await session.waitForScreen(/▶ work +slurm \d+ RUNNING[^\n]*\d\/6/, 30_000);
      await session.waitForScreen(/✔ work +slurm \d+/, 30_000);
    } finally {
      await session.kill();
    }
  }, 60_000);
});

describe('a Slurm stage without Slurm', () => {
  it('fails with ERR_STAGE_SPAWN saying sbatch is missing', async () => {
    const ws = await tempWorkspace({ p: "executor: slurm\nstages:\n  - id: work\n    run: 'true'\n" });
    const PATH = process.env.PATH;
    process.env.PATH = path.join(ws, 'no-slurm-here');
    try {
      const { final } = await runIn(ws, 'p');
      expect(final.stages[0]?.error).toMatchObject({ code: 'ERR_STAGE_SPAWN', message: expect.stringContaining('sbatch is not on PATH') });
    } finally {
      process.env.PATH = PATH;
    }
  });
});
