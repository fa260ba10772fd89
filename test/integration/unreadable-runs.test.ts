import { cp, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, stopDaemons } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'runs', 'v1');
const RUN = '20261124-055120-039-jzua1o';

// A run folder as a newer pipe-tui would leave it: schema 3, still running when that daemon stopped.
async function newerRun(ws: string): Promise<string> {
  const dir = path.join(ws, 'runs', RUN);
  await cp(FIXTURE, dir, { recursive: true });
  const file = path.join(dir, 'metadata.json');
  const json = JSON.parse(await readFile(file, 'utf8'));
  const text = `${JSON.stringify({ ...json, schema_version: 3, status: 'running', ended_at: null }, null, 2)}\n`;
  await writeFile(file, text);
  return text;
}

describe('runs this version cannot read are listed for what they are, and left alone', () => {
  it('a run of a newer schema is "newer" in ls, ERR_METADATA_VERSION in status, and untouched by recovery', async () => {
    const ws = await tempWorkspace();
    const text = await newerRun(ws);
    const ls = await cli(['ls', '--json', '--workspace', ws]);
    expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ run_id: RUN, status: 'newer', error: expect.objectContaining({ code: 'ERR_METADATA_VERSION' }) })]);
    expect((await cli(['ls', '--workspace', ws])).stdout).toMatch(new RegExp(`${RUN} +\\? +newer +ERR_METADATA_VERSION`));
    const status = await cli(['status', RUN, '--workspace', ws]);
    expect(status.stderr).toMatch(/^pipe-tui: ERR_METADATA_VERSION: .*schema 3, written by a newer pipe-tui/);
    await startDaemon(ws);
    await waitFor('recovery to say so', async () => (await readFile(daemonPaths(ws).log, 'utf8')).includes(`recovery: newer: ${RUN}`));
    expect(await readFile(path.join(ws, 'runs', RUN, 'metadata.json'), 'utf8')).toBe(text);
  });

  it('a run folder left without metadata.json is listed as incomplete once it is not being created', async () => {
    const ws = await tempWorkspace();
    const old = path.join(ws, 'runs', '20260101-000000-000-halfmd');
    await mkdir(path.join(old, 'logs'), { recursive: true });
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(old, minuteAgo, minuteAgo);
    await mkdir(path.join(ws, 'runs', '20991231-000000-000-making'), { recursive: true });
    const listed = JSON.parse((await cli(['ls', '--json', '--workspace', ws])).stdout) as { run_id: string; status: string }[];
    expect(listed).toEqual([expect.objectContaining({ run_id: '20260101-000000-000-halfmd', status: 'incomplete' })]);
  });
});
