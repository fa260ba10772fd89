import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { startDaemon, stopDaemons } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// Seven lines, the last ones on stderr, one with escape sequences that would clear a screen and retitle a window.
const FAILS = `stages:
  - id: build
    retries: { attempts: 2, min: 10ms, max: 10ms }
    run: |
      echo "attempt $PIPE_ATTEMPT"
      for i in 1 2 3 4 5; do echo "line $i"; done
      printf 'bad \\033[2J\\033]0;pwned\\007 input\\n' >&2
      echo "giving up" >&2
      exit 3
`;

const TAIL = ['[build] | line 4', '[build] | line 5', '[build] | bad  input', '[build] | giving up'];

describe("a failed stage's last log lines follow its failure line in plain mode", () => {
  it('run --foreground | cat: the last 5 lines of the last attempt, markers left out, control characters made safe', async () => {
    const ws = await tempWorkspace({ fails: FAILS });
    const result = await cli(['run', 'fails', '--foreground', '--workspace', ws]);
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.split('\n');
    const failed = lines.findIndex((l) => l.startsWith('[build] failed: ERR_STAGE_EXIT'));
    expect(failed).toBeGreaterThan(0);
    expect(lines.slice(failed + 1, failed + 6)).toEqual(['[build] | line 3', ...TAIL]);
    expect(lines[failed + 6]).toMatch(/^\[build\] entity 01_error\.json|^run \S+ failed/);
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).not.toContain('\x07');
    expect(result.stdout).not.toContain('=====');
  });

  it('run --follow | cat prints the same lines; --quiet and --json print none of them', async () => {
    const ws = await tempWorkspace({ fails: FAILS });
    await startDaemon(ws);
    const follow = await cli(['run', 'fails', '--follow', '--workspace', ws]);
    expect(follow.exitCode).toBe(1);
    expect(follow.stdout).toContain(`${TAIL.join('\n')}\n`);
    const quiet = await cli(['run', 'fails', '--follow', '--quiet', '--workspace', ws]);
    expect(quiet.exitCode).toBe(1);
    expect(quiet.stdout).toMatch(/\[build\] failed: ERR_STAGE_EXIT/);
    expect(quiet.stdout).not.toContain('[build] |');
    const json = await cli(['run', 'fails', '--foreground', '--json', '--workspace', ws]);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'failed', error: { code: 'ERR_STAGE_EXIT' } });
  });
});
