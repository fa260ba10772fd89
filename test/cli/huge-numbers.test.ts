import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { RunMetadata } from '../../src/shared/metadata-schema.js';
import { BIN, cli } from '../helpers/cli.js';
import { startDaemon, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// A stage that prints numbers no double can hold, then sane ones. 400 nines is Infinity once read.
const HUGE = `stages:
  - id: huge
    run: |
      n=$(head -c 400 /dev/zero | tr '\\0' 9)
      echo "::pipe:progress 1/$n"
      echo "::pipe:progress $n/$n"
      echo "::pipe:cost $n"
      echo "::pipe:cost 0.5"
      echo "::pipe:progress 2/4 fine"
`;

describe('a stage printing numbers too large', () => {
  it('has them ignored with a warning: the run finishes, metadata.json parses, status --json works', async () => {
    const ws = await tempWorkspace({ huge: HUGE });
    await startDaemon(ws);
    // Bounded, so a hang fails here with what was printed rather than at the test's timeout.
    const follow = await execa('node', [BIN, 'run', 'huge', '--follow', '--json', '--workspace', ws], {
      reject: false, timeout: 25_000, env: { NO_COLOR: '1' },
    });
    expect(follow.timedOut, `run --follow hung; stdout: ${follow.stdout}`).toBe(false);
    expect(follow.exitCode).toBe(0);
    const runId = (JSON.parse(follow.stdout.trim().split('\n').at(-1) ?? '') as { run_id: string }).run_id;

    // The feed may tell of the end a moment before metadata.json is rewritten: wait for the file, which must parse.
    const metadata = await waitForRun(ws, runId, 'to be recorded as succeeded', (r) => r.status === 'succeeded');
    expect(metadata.stages[0]).toMatchObject({ cost_usd: 0.5, progress: { current: 2, total: 4, message: 'fine' } });
    expect(metadata.total_cost_usd).toBe(0.5);

    const status = await cli(['status', runId, '--json', '--workspace', ws]);
    expect(status.exitCode).toBe(0);
    expect(RunMetadata.parse(JSON.parse(status.stdout)).run_id).toBe(runId);

    const log = await readFile(path.join(ws, 'runs', runId, 'logs', '00_huge.log'), 'utf8');
    expect(log.match(/\[pipe-tui\] warning: malformed ::pipe: line ignored/g)).toHaveLength(3);
    const events = await readFile(path.join(ws, 'runs', runId, 'events.ndjson'), 'utf8');
    expect(events).not.toMatch(/"(current|total|usd)":null/);
  }, 60_000);
});
