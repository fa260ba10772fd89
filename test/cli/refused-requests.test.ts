import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { startDaemon, stopDaemons } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const HELLO = "params:\n  x: world\nstages:\n  - id: greet\n    run: 'echo hello $PIPE_PARAM_X'\n";

// The built binary, bounded: a command that hangs fails here with what it printed, not at the test's timeout.
async function pipeTui(args: string[]) {
  const result = await execa('node', [BIN, ...args], { reject: false, timeout: 25_000, env: { NO_COLOR: '1' } });
  expect(result.timedOut, `pipe-tui ${args.join(' ').slice(0, 80)} hung; stderr: ${result.stderr}`).toBe(false);
  return result;
}

describe('a request the daemon refuses', () => {
  it.each([
    // Checked as a run id before it is looked up, so it never reaches the daemon (whose own refusal of it is
    // test/integration/command-replies.test.ts's).
    ['cancel with a 300-character run id', (ws: string) => ['cancel', 'x'.repeat(300), '--workspace', ws], 'ERR_RUN_ID_INVALID'],
    ['run with a 70 KB parameter', (ws: string) => ['run', 'hello', '-p', `x=${'y'.repeat(70 * 1024)}`, '--workspace', ws], 'ERR_MESSAGE_TOO_LARGE'],
    ['reset to an empty stage', (ws: string) => ['reset', '20990101-000000-000-nosuch', '--to', '', '--workspace', ws], 'ERR_MESSAGE_INVALID'],
  ])('%s: exits 2 with the code, never hangs', async (_name, args, code) => {
    const ws = await tempWorkspace({ hello: HELLO });
    // The run `reset` names exists, so the request reaches the daemon, which refuses the empty stage.
    await mkdir(path.join(ws, 'runs', '20990101-000000-000-nosuch'), { recursive: true });
    await startDaemon(ws);
    const result = await pipeTui(args(ws));
    expect(result.stderr).toMatch(new RegExp(`^pipe-tui: ${code}: `));
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
  }, 60_000);
});

describe('a reserved parameter name', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('-p %s=x is refused with ERR_PARAM_INVALID, on the daemon and in the foreground', async (name) => {
    const ws = await tempWorkspace({ hello: HELLO });
    await startDaemon(ws);
    for (const extra of [[], ['--foreground']]) {
      const result = await pipeTui(['run', 'hello', '-p', `${name}=x`, '--workspace', ws, ...extra]);
      expect(result.stderr).toMatch(new RegExp(`^pipe-tui: ERR_PARAM_INVALID: .*"${name}" is reserved`));
      expect(result.exitCode).toBe(2);
    }
  }, 60_000);
});
