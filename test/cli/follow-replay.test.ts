import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { readMetadata, startDaemon, stopDaemons } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const REPO = path.resolve(import.meta.dirname, '../..');
// Fails in a few milliseconds, long before a follower could attach: stage `a` and `b` would be gone from its lines.
const FAST_FAIL = "stages:\n  - id: a\n    run: 'echo a says hi'\n  - id: b\n    run: 'echo about to fail; echo broken >&2; exit 3'\n  - id: c\n    run: 'true'\n";

// Lines without what differs between two runs of one pipeline: the run id and how long things took.
function normalized(stdout: string, runId: string): string[] {
  return stdout
    .split(runId)
    .join('RUN')
    .replace(/\d+(\.\d+)?(ms|s)\b|\d+m \d+s|\d+h \d+m/g, 'T')
    .trimEnd()
    .split('\n');
}

describe('run --follow tells the whole run, as run --foreground does', () => {
  it.each([
    ['hello', null],
    ['fastfail', FAST_FAIL],
  ])('%s: the plain lines of --follow equal those of --foreground, from run.started on', async (name, yaml) => {
    const ws = await tempWorkspace(yaml ? { [name]: yaml } : {});
    if (!yaml) {
      await cp(path.join(REPO, 'pipelines', 'hello.yaml'), path.join(ws, 'pipelines', 'hello.yaml'));
      await cp(path.join(REPO, 'pipelines', 'stages', 'hello'), path.join(ws, 'pipelines', 'stages', 'hello'), { recursive: true });
    }
    const foreground = await cli(['run', name, '--foreground'], { cwd: ws });
    const foregroundId = /^run (\S+) /.exec(foreground.stdout)?.[1] as string;
    expect(foregroundId).toBeTruthy();

    await startDaemon(ws);
    const follow = await cli(['run', name, '--follow'], { cwd: ws });
    expect(follow.exitCode).toBe(foreground.exitCode);
    // --follow first prints the id it queued, alone on its line.
    const [followId, ...rest] = follow.stdout.split('\n');
    expect(rest[0]).toBe(`run ${followId} ${name}: started (${yaml ? 3 : 2} stages)`);
    expect(normalized(rest.join('\n'), followId as string)).toEqual(normalized(foreground.stdout, foregroundId));
  });
});

describe('run --follow across a daemon that died', () => {
  it('connects again (starting a daemon), asks from the last event it holds, and tells the run ending interrupted', async () => {
    const ws = await tempWorkspace({ slow: "stages:\n  - id: wait\n    timeout: 60s\n    run: 'echo waiting; sleep 60'\n" });
    const daemon = await startDaemon(ws);
    const follow = cli(['run', 'slow', '--follow'], { cwd: ws });
    const runId = await waitFor('the run folder', async () => (await readdir(path.join(ws, 'runs')).catch(() => []))[0]);
    await waitFor('the stage to run', async () => (await readMetadata(ws, runId)).stages[0]?.status === 'running');
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    const result = await follow;
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([runId, `run ${runId} slow: started (1 stages)`, '[wait] started']);
    expect(lines.filter((l) => l === '[wait] started')).toHaveLength(1);
    expect(lines.at(-1)).toMatch(new RegExp(`^run ${runId} interrupted in .* · ERR_INTERRUPTED: `));
  });
});
