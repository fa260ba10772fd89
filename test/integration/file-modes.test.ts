import { symlinkSync } from 'node:fs';
import { lstat, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { slurmAvailable } from '../../src/daemon/slurm/slurm-cli.js';
import { BIN } from '../helpers/cli.js';
import { readMetadata } from '../helpers/daemon.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const hasSlurm = await slurmAvailable();

const modeOf = async (file: string): Promise<string> => ((await stat(file)).mode & 0o777).toString(8).padStart(4, '0');

// The real binary under `umask 000`, as a careless login shell would start it.
const runUnderUmask000 = (ws: string, pipeline: string) =>
  execa('sh', ['-c', 'umask 000; exec "$@"', 'sh', process.execPath, BIN, 'run', pipeline, '--foreground', '--json', '--workspace', ws], {
    reject: false,
    timeout: 60_000,
    env: { NO_COLOR: '1' },
  });

describe('file modes do not depend on the umask', () => {
  it('every folder a run makes is 0700 and every file 0600', async () => {
    const ws = await tempWorkspace({
      modes: `stages:
  - id: make
    run: 'echo hi > out.txt; echo "::pipe:entity note out.txt"'
  - id: fails
    run: 'echo bad; exit 3'
notify:
  on: [failed]
  command: 'true'
`,
    });
    const result = await runUnderUmask000(ws, 'modes');
    expect(result.exitCode, result.stderr).toBe(1);
    const runId = (JSON.parse(result.stdout) as { run_id: string }).run_id;
    const dir = path.join(ws, 'runs', runId);
    // The stage's own file keeps the stage's umask: pipe-tui does not touch what it did not make.
    expect(await modeOf(path.join(ws, 'out.txt'))).toBe('0666');
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['01_note.txt', '02_error.json', 'notify.log']));
    const modes = Object.fromEntries(
      await Promise.all(
        ['runs', `runs/${runId}`, `runs/${runId}/logs`, '.pipe-tui'].map(async (d) => [d, await modeOf(path.join(ws, d))]),
      ),
    );
    expect(modes).toEqual({ runs: '0700', [`runs/${runId}`]: '0700', [`runs/${runId}/logs`]: '0700', '.pipe-tui': '0700' });
    const files = ['metadata.json', 'events.ndjson', '01_note.txt', '02_error.json', 'notify.log', 'logs/00_make.log', 'logs/01_fails.log'];
    for (const file of files) expect(`${file} ${await modeOf(path.join(dir, file))}`).toBe(`${file} 0600`);
    expect(await modeOf(path.join(ws, '.pipe-tui', 'history.ndjson'))).toBe('0600');
  });

  it.skipIf(!hasSlurm)("a Slurm stage's folder, output and offset files too", async () => {
    const ws = await tempWorkspace({ slurm: "executor: slurm\nstages:\n  - id: job\n    run: 'echo from the job'\n" });
    const result = await runUnderUmask000(ws, 'slurm');
    expect(result.exitCode, result.stderr).toBe(0);
    const dir = path.join(ws, 'runs', (JSON.parse(result.stdout) as { run_id: string }).run_id, 'slurm');
    expect(await modeOf(dir)).toBe('0700');
    expect(await modeOf(path.join(dir, '00_job.1.out'))).toBe('0600');
    expect(await modeOf(path.join(dir, '00_job.1.out.offset'))).toBe('0600');
    expect(await modeOf(path.join(dir, '00_job.1.sh'))).toBe('0600');
  });
});

describe('a symlink planted at a stage log', () => {
  it('is refused: the stage fails with ERR_IO naming the log, and the link target is left as it was', async () => {
    const ws = await tempWorkspace({
      two: "stages:\n  - id: a\n    run: 'echo a'\n  - id: b\n    run: 'echo written-through-the-link; touch b-ran'\n",
    });
    const victim = path.join(ws, 'private.txt');
    await writeFile(victim, 'private\n');
    const { final, recorder } = await runIn(ws, 'two', {
      // Before any stage runs: another user's link where stage b's log will be opened.
      onStart: (r) => symlinkSync(victim, path.join(r.dir, 'logs', '01_b.log')),
    });
    expect(final.status).toBe('failed');
    expect(final.stages.map((s) => s.status)).toEqual(['succeeded', 'failed']);
    expect(final.stages[1]?.error).toMatchObject({ code: 'ERR_IO', message: expect.stringContaining('logs/01_b.log') });
    expect(await readFile(victim, 'utf8')).toBe('private\n');
    expect((await lstat(path.join(recorder.dir, 'logs', '01_b.log'))).isSymbolicLink()).toBe(true);
    // A stage whose output has nowhere to go is not started.
    await expect(stat(path.join(ws, 'b-ran'))).rejects.toThrow();
    expect((await readMetadata(ws, final.run_id)).error?.code).toBe('ERR_IO');
  });
});
