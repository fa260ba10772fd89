import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// The built binary, as a user runs it. The timeout is only a deadline for a command that would hang: the fixed
// code answers at once.
const pipeTui = (args: string[], cwd: string) =>
  execa('node', [BIN, ...args], { cwd, reject: false, timeout: 20_000, env: { NO_COLOR: '1', PIPE_TUI_WORKSPACE: cwd } });

const SECRET = 'hunter2-4f9c1e0b7a';

describe('pipeline files that are not small regular files', () => {
  it('validate and run --foreground of a FIFO, /dev/zero and a 2 MB file answer at once: a coded error, exit 2', async () => {
    const ws = await tempWorkspace();
    const fifo = path.join(ws, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const big = path.join(ws, 'big.yaml');
    await writeFile(big, `stages: [{ id: a, run: 'true' }]\n${`# ${'x'.repeat(98)}\n`.repeat(20_000)}`);
    const cases: [string[], RegExp][] = [
      [['validate', fifo], /ERR_PIPELINE_INVALID: .*fifo\.yaml is not a regular file \(a FIFO\)/],
      [['run', fifo, '--foreground'], /ERR_PIPELINE_INVALID: .*fifo\.yaml is not a regular file \(a FIFO\)/],
      [['validate', '/dev/zero'], /ERR_PIPELINE_INVALID: \/dev\/zero is not a regular file \(a character device\)/],
      [['run', '/dev/zero', '--foreground'], /ERR_PIPELINE_INVALID: \/dev\/zero is not a regular file/],
      [['validate', big], /ERR_PIPELINE_INVALID: .*big\.yaml is 1\.9 MiB, more than the 1 MiB a pipeline file may be/],
      [['run', big, '--foreground'], /ERR_PIPELINE_INVALID: .*big\.yaml is 1\.9 MiB/],
    ];
    for (const [args, expected] of cases) {
      const result = await pipeTui(args, ws);
      expect(result.timedOut, `${args.join(' ')} hung`).toBe(false);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(expected);
    }
  });

  it('a run through the daemon refuses /dev/zero and a FIFO the same way', async () => {
    const ws = await tempWorkspace();
    const fifo = path.join(ws, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const file of ['/dev/zero', fifo]) {
      const result = await pipeTui(['run', file], ws);
      expect(result.timedOut, `run ${file} hung`).toBe(false);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/ERR_PIPELINE_INVALID: .* is not a regular file/);
    }
  });
});

// An error names the file, the line and column and what is wrong; never the file's own text. A daemon may be asked
// to read any path its user can read, and its answer goes back to whoever asked.
describe('errors never echo the file', () => {
  it('a YAML syntax error gives the line, not the text around it', async () => {
    const ws = await tempWorkspace();
    const cases: [string, RegExp][] = [
      [`stages:\n  - id: a\n    run: |${SECRET}\n      x\n`, /not valid YAML: .* at line 3, column \d+$/m],
      [`stages:\n  - id: a\n    run: *${SECRET}\n`, /not valid YAML: an alias .* at line 3, column 10$/m],
      [`stages:\n  - id: a\n    run: x\npassword: ${SECRET}\n  bad: [\n`, /not valid YAML: .* at line 4, column \d+$/m],
    ];
    for (const [index, [text, expected]] of cases.entries()) {
      const file = path.join(ws, `creds${index}.yaml`);
      await writeFile(file, text);
      for (const args of [['validate', file], ['run', file, '--foreground']]) {
        const result = await pipeTui(args, ws);
        expect(result.exitCode).toBe(2);
        expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
        expect(result.stderr).toMatch(new RegExp(`ERR_PIPELINE_INVALID: .*creds${index}\\.yaml: ${expected.source}`, 'm'));
      }
    }
  });

  it('a YAML warning (an unknown tag) prints no code frame', async () => {
    const ws = await tempWorkspace();
    const file = path.join(ws, 'tagged.yaml');
    await writeFile(file, `stages: !${SECRET}\n  - id: a\n    run: x\n`);
    const result = await pipeTui(['validate', file], ws);
    expect(result.exitCode).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
  });

  it('a JSON syntax error gives the line and column, not the text', async () => {
    const ws = await tempWorkspace();
    const file = path.join(ws, 'creds.json');
    await writeFile(file, `{\n  "stages": [],\n  "token": ${SECRET}\n}\n`);
    const result = await pipeTui(['validate', file], ws);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/not valid JSON: .*at line 3, column 12/);
    expect(result.stderr).not.toContain(SECRET);
  });

  it('a file that is not a pipeline at all (a shadow file) is named, never listed key by key', async () => {
    const ws = await tempWorkspace();
    const file = path.join(ws, 'shadow');
    await writeFile(file, `root:$6$${SECRET}:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n`);
    for (const args of [['validate', file], ['run', file, '--foreground'], ['run', file]]) {
      const result = await pipeTui(args, ws);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/ERR_PIPELINE_INVALID: .*shadow: 1 problem\n {2}\(root\): not a pipeline/);
      expect(result.stderr).not.toContain(SECRET);
      expect(result.stderr).not.toContain('daemon:');
    }
  });
});
