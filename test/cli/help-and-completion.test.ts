import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

const shims: string[] = [];
afterEach(async () => {
  await removeWorkspaces();
  for (const dir of shims.splice(0)) await rm(dir, { recursive: true, force: true });
});

const RUNS = ['20261124-094155-651-hzb908', '20261125-080000-000-w71vuq'];

async function workspaceWithRuns(): Promise<string> {
  const ws = await tempWorkspace({ podcast: "stages:\n  - id: a\n    run: 'true'\n", hello: "stages:\n  - id: a\n    run: 'true'\n" });
  for (const id of RUNS) await mkdir(path.join(ws, 'runs', id), { recursive: true });
  return ws;
}

describe('a word that names no command', () => {
  it("says unknown command 'X' with the nearest command, whatever follows it, exit 2", async () => {
    const cases: [string[], string][] = [
      [['stauts', 'abc'], "unknown command 'stauts' (did you mean 'status'?)"],
      [['remove', 'abc', 'def'], "unknown command 'remove' (did you mean 'rm'?)"],
      [['--workspace', '/tmp', 'lgos', 'x', '-f'], "unknown command 'lgos' (did you mean 'logs'?)"],
      [['frobnicate', 'x'], "unknown command 'frobnicate'; the commands: run, init, validate, ls"],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^pipe-tui: ERR_USAGE: /);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr).not.toContain('too many arguments');
    }
  });

  it('help [command] prints the help of the command, exit 0; an unknown one is refused with the nearest', async () => {
    const status = await cli(['help', 'status']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^Usage: pipe-tui status \[options\] <run>/);
    expect(status.stdout).toBe((await cli(['status', '--help'])).stdout);
    const daemon = await cli(['help', 'daemon']);
    expect(daemon.stdout).toContain('status exits 0 when a daemon runs and 3 when none does');
    const all = await cli(['help']);
    expect(all.exitCode).toBe(0);
    for (const command of ['rm', 'prune', 'rerun', 'pipelines', 'completion', 'help']) expect(all.stdout).toMatch(new RegExp(`\\n  ${command} `));
    expect(all.stdout).not.toContain('__complete');
    const unknown = await cli(['help', 'stat']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^pipe-tui: ERR_USAGE: unknown command 'stat' \(did you mean 'stats'\?\)/);
  });
});

describe('shell completion', () => {
  it('prints a bash script that parses, and zsh and fish scripts; another shell is refused', async () => {
    const bash = await cli(['completion', 'bash']);
    expect(bash.exitCode).toBe(0);
    const parsed = await execa('bash', ['-n'], { input: bash.stdout, reject: false });
    expect(parsed.exitCode, parsed.stderr).toBe(0);
    expect(bash.stdout).toContain('complete -o default -F _pipe_tui_complete pipe-tui');
    expect((await cli(['completion', 'zsh'])).stdout).toContain('compdef _pipe_tui pipe-tui');
    expect((await cli(['completion', 'fish'])).stdout).toContain("complete -c pipe-tui -f -a '(__pipe_tui_complete)'");
    const other = await cli(['completion', 'tcsh']);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(/^pipe-tui: ERR_USAGE: completion takes bash, zsh or fish/);
  });

  it('the hidden lister prints the run ids and pipeline names of the workspace named', async () => {
    const ws = await workspaceWithRuns();
    const runs = await cli(['__complete', 'runs', '--workspace', ws]);
    expect(runs.exitCode).toBe(0);
    expect(runs.stdout.split('\n')).toEqual([...RUNS].reverse());
    expect((await cli(['__complete', 'pipelines'], { env: { PIPE_TUI_WORKSPACE: ws } })).stdout.split('\n')).toEqual(['hello', 'podcast']);
  });

  it('completes commands, options, run suffixes and pipeline names from the words typed', async () => {
    const ws = await workspaceWithRuns();
    const complete = async (...words: string[]): Promise<string[]> => {
      const result = await cli(['__complete', 'words', '--', ...words], { cwd: ws });
      expect(result.exitCode, result.stderr).toBe(0);
      return result.stdout.split('\n').filter(Boolean);
    };
    expect(await complete('sta')).toEqual(['status', 'stats']);
    expect(await complete('status', '')).toEqual(['latest', 'w71vuq', 'hzb908']);
    expect(await complete('logs', '2026112')).toEqual(RUNS.slice().reverse());
    expect(await complete('run', 'po')).toEqual(['podcast']);
    expect(await complete('run', '--f')).toEqual(['--foreground', '--follow']);
    expect(await complete('ls', '--pipeline', '')).toEqual(['hello', 'podcast']);
    expect(await complete('daemon', 's')).toEqual(['start', 'stop', 'status']);
    expect(await complete('--workspace', ws, 'rm', 'w71vuq', '')).toEqual(['latest', 'hzb908']);
  });

  it('works in bash: the script, sourced, fills COMPREPLY by asking the pipe-tui being completed', async () => {
    const ws = await workspaceWithRuns();
    const bin = await mkdtemp(path.join(tmpdir(), 'pipe-tui-shim-'));
    shims.push(bin);
    await writeFile(path.join(bin, 'pipe-tui'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(path.join(bin, 'pipe-tui'), 0o755);
    const script = [
      'source <(pipe-tui completion bash)',
      'COMP_WORDS=(pipe-tui status w7); COMP_CWORD=2; _pipe_tui_complete; echo "status: ${COMPREPLY[*]}"',
      'COMP_WORDS=(pipe-tui re); COMP_CWORD=1; _pipe_tui_complete; echo "re: ${COMPREPLY[*]}"',
    ].join('\n');
    const result = await execa('bash', ['-c', script], { cwd: ws, env: { PATH: `${bin}:${process.env.PATH}` }, reject: false });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('status: w71vuq\nre: resume reset rerun');
  });
});
