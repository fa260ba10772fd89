import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunEvent } from '../../src/shared/events.js';
import { type RunMetadata, RunMetadata as RunMetadataSchema } from '../../src/shared/metadata-schema.js';
import { runDir } from '../../src/workspace/layout.js';
import { listRunIds } from '../../src/workspace/run-reader.js';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// A stage silent for 3 s between two lines, watched with stall_after: 1s.
const QUIET = "sh -c 'echo start; sleep 3; echo end'";

const metadata = async (dir: string): Promise<RunMetadata> => RunMetadataSchema.parse(JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8')));
const events = async (dir: string): Promise<RunEvent[]> =>
  (await readFile(path.join(dir, 'events.ndjson'), 'utf8')).trim().split('\n').map((line) => RunEvent.parse(JSON.parse(line)));

/** The folder of the workspace's only run, once it exists. */
async function theRun(ws: string): Promise<string> {
  const [id] = await waitFor('the run folder', async () => ((await listRunIds(ws)).length > 0 ? listRunIds(ws) : null));
  return runDir(ws, id as string);
}

describe('stalls', () => {
  it('marks a silent stage while it is silent, tells notify and the plain lines, and clears the mark when it prints', async () => {
    const ws = await tempWorkspace({
      quiet: `stall_after: 1s\nstages:\n  - id: quiet\n    run: ${JSON.stringify(QUIET)}\nnotify:\n  on: [stalled]\n  command: 'echo "$PIPE_NOTIFY_EVENT $PIPE_STAGE $PIPE_RUN_STATUS" > stalled.txt'\n`,
    });
    // A foreground run in the background, its standard output a pipe: plain lines.
    const ran = cli(['run', 'quiet', '--foreground', '--workspace', ws]);
    const dir = await theRun(ws);

    const stalled = await waitFor('the stage marked stalled in metadata.json', async () => {
      const run = await metadata(dir);
      return run.stages[0]?.silent_since ? run : null;
    });
    const stage = stalled.stages[0];
    expect(stage?.status).toBe('running');
    // Silent since it printed `start`, moments after it started.
    expect(Date.parse(stage?.silent_since ?? '') - Date.parse(stage?.attempt_started_at ?? '')).toBeLessThan(1000);
    const notified = await waitFor('the stalled notification', () => readFile(path.join(ws, 'stalled.txt'), 'utf8').catch(() => null));
    expect(notified.trim()).toBe('stalled quiet running');

    const { exitCode, stdout, stderr } = await ran;
    expect(exitCode, String(stderr)).toBe(0);
    expect(String(stdout)).toMatch(/\[quiet\] silent for 1\.\ds \(stall_after\)\n\[quiet\] speaks again after [23]\.\ds of silence\n/);
    const final = await metadata(dir);
    expect(final.stages[0]).toMatchObject({ status: 'succeeded', silent_since: null });
    // One stall, ended once by `end` (not once per chunk), before the stage succeeded.
    const told = (await events(dir)).filter((e) => e.type.startsWith('stage.') && e.type !== 'stage.started' && e.type !== 'stage.resources').map((e) => e.type);
    expect(told).toEqual(['stage.stalled', 'stage.unstalled', 'stage.succeeded']);
    expect(await readFile(path.join(dir, 'logs', '00_quiet.log'), 'utf8')).toContain('end');
  });

  it('shows the mark in status while the stage is silent', async () => {
    const ws = await tempWorkspace({ hung: "stages:\n  - id: hung\n    stall_after: 500ms\n    run: 'echo start; sleep 30'\n" });
    const controller = new AbortController();
    let dir = '';
    const ran = runIn(ws, 'hung', { signal: controller.signal, onStart: (r) => (dir = r.dir) });
    try {
      await waitFor('the stage marked stalled', async () => dir && (await metadata(dir)).stages[0]?.silent_since);
      const { stdout } = await cli(['status', path.basename(dir), '--workspace', ws]);
      expect(String(stdout)).toMatch(/▶ hung +running .* ⚠ silent for \d/);
    } finally {
      controller.abort();
      await ran;
    }
  });

  it('with stall_action: fail, ends each silent attempt with ERR_STAGE_STALLED and retries it per its retries', async () => {
    const ws = await tempWorkspace({
      hangs: `stages:\n  - id: hangs\n    stall_after: 1s\n    stall_action: fail\n    retries: 2\n    run: ${JSON.stringify(QUIET)}\n`,
    });
    const { final, recorder } = await runIn(ws, 'hangs');
    expect(final.status).toBe('failed');
    expect(final.stages[0]).toMatchObject({ status: 'failed', attempts: 2, silent_since: null, error: { code: 'ERR_STAGE_STALLED' } });
    expect(final.error).toMatchObject({ code: 'ERR_STAGE_STALLED', stage: 'hangs' });
    const told = (await events(recorder.dir)).flatMap((e) => (e.type === 'stage.stalled' || e.type === 'stage.retrying' ? [e.type === 'stage.retrying' ? `retrying ${e.error.code}` : e.type] : []));
    expect(told).toEqual(['stage.stalled', 'retrying ERR_STAGE_STALLED', 'stage.stalled']);
    // Stopped while silent: neither attempt got as far as `end`.
    expect(await readFile(path.join(recorder.dir, 'logs', '00_hangs.log'), 'utf8')).not.toMatch(/^end$/m);
  });
});
