import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveRunRef } from '../../src/workspace/run-ref.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const OLD = '20261124-094155-651-hzb908';
const MID = '20261124-101010-100-w71vuq';
const NEW = '20261125-080000-000-abc123';

// Run folders as the engine leaves them; metadata.json only as far as the messages read it.
async function withRuns(ids: string[]): Promise<string> {
  const ws = await tempWorkspace();
  for (const id of ids) {
    await mkdir(path.join(ws, 'runs', id), { recursive: true });
    const metadata = { schema_version: 1, run_id: id, pipeline: 'podcast', status: 'succeeded', created_at: '2026-11-24T09:41:55.651Z', started_at: null, ended_at: null, current_state: { stage: 0, step: '', progress: '0/0' }, error: null, total_cost_usd: 0, eta_ms: null, seq: 1 };
    await writeFile(path.join(ws, 'runs', id, 'metadata.json'), JSON.stringify(metadata));
  }
  return ws;
}

const refused = async (ws: string, ref: string): Promise<{ code: string; message: string }> =>
  resolveRunRef(ws, ref).then(
    () => ({ code: 'resolved', message: '' }),
    (error: { code: string; message: string }) => error,
  );

describe('resolveRunRef: what a person types for a run', () => {
  it('takes the full id, a unique prefix, the suffix the TUI shows, and latest / @ for the newest', async () => {
    const ws = await withRuns([OLD, MID, NEW]);
    expect(await resolveRunRef(ws, MID)).toBe(MID);
    expect(await resolveRunRef(ws, 'w71vuq')).toBe(MID);
    expect(await resolveRunRef(ws, 'vuq')).toBe(MID);
    expect(await resolveRunRef(ws, '20261125')).toBe(NEW);
    expect(await resolveRunRef(ws, '20261124-0941')).toBe(OLD);
    expect(await resolveRunRef(ws, 'latest')).toBe(NEW);
    expect(await resolveRunRef(ws, '@')).toBe(NEW);
  });

  it('lists the candidates of an ambiguous reference, with a code of its own', async () => {
    const ws = await withRuns([OLD, MID, NEW]);
    const error = await refused(ws, '20261124');
    expect(error.code).toBe('ERR_RUN_AMBIGUOUS');
    expect(error.message).toMatch(/^"20261124" matches 2 runs; give more of the id:\n/);
    expect(error.message).toContain(`  ${MID}  podcast  succeeded\n  ${OLD}  podcast  succeeded`);
    expect(error.message).not.toContain(NEW);
  });

  it('says no match with the newest few runs, and how many more there are', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `20261120-00000${i}-000-run00${i}`);
    const ws = await withRuns(ids);
    const error = await refused(ws, 'nosuch');
    expect(error.code).toBe('ERR_RUN_NOT_FOUND');
    expect(error.message).toContain('the newest:\n  20261120-000006-000-run006  podcast  succeeded\n');
    expect(error.message).toContain('… and 2 more (pipe-tui ls)');
    expect(error.message).not.toContain('run001');
  });

  it('checks the characters before anything is looked up, and knows an empty workspace', async () => {
    const ws = await withRuns([OLD]);
    for (const bad of ['../../etc/passwd', '..', 'a/b', '', '-x', 'x'.repeat(200)]) expect((await refused(ws, bad)).code, bad).toBe('ERR_RUN_ID_INVALID');
    const empty = await tempWorkspace();
    expect(await refused(empty, 'latest')).toMatchObject({ code: 'ERR_RUN_NOT_FOUND', message: expect.stringContaining('no runs in') });
    expect(await refused(empty, 'abc')).toMatchObject({ code: 'ERR_RUN_NOT_FOUND', message: expect.stringContaining('(it has none yet)') });
  });

  it('never matches what is not listed as a run (a dot folder, a link whose name is no run id)', async () => {
    const ws = await withRuns([OLD]);
    await mkdir(path.join(ws, 'runs', '.removing-x-hzb908'));
    await symlink('/tmp', path.join(ws, 'runs', 'tmp link'));
    expect(await resolveRunRef(ws, 'hzb908')).toBe(OLD);
    expect((await refused(ws, 'link')).code).toBe('ERR_RUN_NOT_FOUND');
  });
});
