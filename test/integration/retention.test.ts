import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths, runDir } from '../../src/workspace/layout.js';
import { RunIndex } from '../../src/workspace/run-index.js';
import { listRunIds } from '../../src/workspace/run-reader.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, stopDaemons } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const OK = "stages:\n  - id: one\n    run: 'echo one'\n";
const BAD = "stages:\n  - id: one\n    run: 'exit 4'\n";
const DAY = 86_400_000;

// Ages the runs as the index lists them: retention reads the index, as a daemon of a year would.
function age(ws: string, days: number): void {
  const file = daemonPaths(ws).runIndex;
  const old = new Date(Date.now() - days * DAY).toISOString();
  writeFileSync(file, readFileSync(file, 'utf8').replace(/"ended_at":"[^"]+"/g, `"ended_at":"${old}"`));
}

describe('retention', () => {
  it('removes succeeded runs past keep_days and failed ones past keep_failed_days, once the daemon is up, and logs it', async () => {
    const ws = await tempWorkspace({ ok: OK, bad: BAD });
    await cli(['run', 'ok', '--foreground', '--workspace', ws]);
    await cli(['run', 'bad', '--foreground', '--workspace', ws]);
    const [failed, succeeded] = (await listRunIds(ws)) as [string, string];
    age(ws, 200);
    writeFileSync(path.join(ws, 'pipe-tui.yaml'), 'retention:\n  keep_days: 90\n  keep_failed_days: 365\n');
    await startDaemon(ws, [], { PIPE_TUI_RETENTION_FIRST_MS: '100' });
    await waitFor('the old succeeded run to go', () => !existsSync(runDir(ws, succeeded)));
    expect(existsSync(runDir(ws, failed))).toBe(true);
    // The folder is moved aside first, then deleted, then its removal written to the index.
    await waitFor('the index to drop it', () => RunIndex.open(ws).list().map((r) => r.run_id).join() === failed);
    await waitFor('the log line', () => readFileSync(daemonPaths(ws).log, 'utf8').includes('retention: removed 1 run'));
  });

  it('a broken pipe-tui.yaml removes nothing and is logged with its code; the daemon lives on', async () => {
    const ws = await tempWorkspace({ ok: OK });
    await cli(['run', 'ok', '--foreground', '--workspace', ws]);
    age(ws, 500);
    writeFileSync(path.join(ws, 'pipe-tui.yaml'), 'retention:\n  keep_dayz: 1\n');
    await startDaemon(ws, [], { PIPE_TUI_RETENTION_FIRST_MS: '100' });
    await waitFor('the config error in the log', () => readFileSync(daemonPaths(ws).log, 'utf8').includes('retention: ERR_CONFIG_INVALID'));
    expect(await listRunIds(ws)).toHaveLength(1);
    expect((await cli(['daemon', 'status', '--workspace', ws])).exitCode).toBe(0);
  });
});
