import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

const elsewhere: string[] = [];
afterEach(async () => {
  await removeWorkspaces();
  for (const dir of elsewhere.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A folder that is not the workspace, to run the binary from. */
async function otherDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-elsewhere-'));
  elsewhere.push(dir);
  return dir;
}

const ONE = "stages:\n  - id: one\n    run: 'echo one'\n";

describe('global options, before or after the command', () => {
  it('--workspace before the command, after it, and $PIPE_TUI_WORKSPACE all name the same workspace', async () => {
    const ws = await tempWorkspace({ one: ONE });
    const cwd = await otherDir();
    // Before the command: the run lands in the workspace named, not in the current directory.
    const ran = await cli(['--workspace', ws, 'run', 'one', '--foreground', '--json'], { cwd });
    expect(ran.stderr).toBe('');
    expect(ran.exitCode).toBe(0);
    const runId = JSON.parse(ran.stdout).run_id as string;

    const before = await cli(['--workspace', ws, 'ls', '--json'], { cwd });
    const after = await cli(['ls', '--workspace', ws, '--json'], { cwd });
    const env = await cli(['ls', '--json'], { cwd, env: { PIPE_TUI_WORKSPACE: ws } });
    const jsonFirst = await cli(['--json', 'ls', '--workspace', ws], { cwd });
    for (const result of [before, after, env, jsonFirst]) {
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout).map((r: { run_id: string }) => r.run_id)).toEqual([runId]);
    }
    // The current directory itself has no runs: nothing fell back to it.
    expect(JSON.parse((await cli(['ls', '--json'], { cwd })).stdout)).toEqual([]);
  });

  it('the same option twice with different values is exit 2 with a clear message, never a silent pick', async () => {
    const ws = await tempWorkspace({ one: ONE });
    const cwd = await otherDir();
    const twice = await cli(['--workspace', ws, 'ls', '--workspace', cwd], { cwd });
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toMatch(/^pipe-tui: ERR_USAGE: --workspace given twice with different values/);
    expect(twice.stdout).toBe('');
    // The same value twice is no conflict.
    expect((await cli(['--workspace', ws, 'ls', `--workspace=${ws}`, '--json'], { cwd })).exitCode).toBe(0);
  });

  it('an option where it means nothing is refused rather than ignored', async () => {
    const cwd = await otherDir();
    const logsJson = await cli(['logs', '20260101-000000-000-aaaaaa', '--json'], { cwd });
    expect(logsJson.exitCode).toBe(2);
    expect(logsJson.stderr).toContain('ERR_USAGE: logs takes no --json');
    const ascii = await cli(['ls', '--ascii'], { cwd });
    expect(ascii.exitCode).toBe(2);
    expect(ascii.stderr).toContain('--ascii is for the TUI');
    const unknown = await cli(['lss'], { cwd });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("ERR_USAGE: unknown command 'lss' (did you mean 'ls'?)");
  });
});
