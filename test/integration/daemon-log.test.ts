import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, stopDaemons } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

describe('daemon.log', () => {
  it('starts each entry on a line of its own, even after a line cut short (a kill -9 mid-write, a full disk)', async () => {
    const ws = await tempWorkspace();
    const paths = daemonPaths(ws);
    await mkdir(paths.dir, { mode: 0o700 });
    // What a daemon killed in the middle of a write leaves: a line with no newline.
    await appendFile(paths.log, '2026-11-24T09:00:00.000Z recovery: interrupt');
    const pid = await startDaemon(ws);
    expect((await cli(['daemon', 'stop', '--workspace', ws])).exitCode).toBe(0);
    await waitFor('the daemon to be gone', () => !isAlive(pid));
    const log = await readFile(paths.log, 'utf8');
    expect(log).toMatch(new RegExp(`^2026-11-24T09:00:00.000Z recovery: interrupt\\n\\S+ daemon ${pid} serving `));
    expect(log.endsWith('\n')).toBe(true);
    // Every line is one entry: one timestamp, at its start; no blank line.
    const stamps = (line: string): number => line.match(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /g)?.length ?? 0;
    expect(log.slice(0, -1).split('\n').filter((line) => stamps(line) !== 1 || !/^\d{4}-/.test(line))).toEqual([]);
  });
});
