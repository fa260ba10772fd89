import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedClient } from '../../src/client/feed-client.js';
import type { RunEvent } from '../../src/shared/events.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

/** More stages flooding at once than the daemon lets report at full rate (four), so they share its pace. */
const STAGES = 16;
const TOTAL = 1500;
// Five lines every 5 ms (about 1 000 a second) up to TOTAL - 10, then a last line on its own: what each run must end on.
const STAGE_SCRIPT = `
let i = 0;
const timer = setInterval(() => {
  let text = '';
  for (let k = 0; k < 5 && i < ${TOTAL} - 10; k++) text += '::pipe:progress ' + ++i + '/${TOTAL} step ' + i + '\\n';
  process.stdout.write(text);
  if (i >= ${TOTAL} - 10) {
    clearInterval(timer);
    process.stdout.write('::pipe:progress ${TOTAL - 7}/${TOTAL} last\\n');
  }
}, 5);
`;

describe('many stages flooding progress at once', () => {
  it('records, writes and sends every run to its last progress line, and the feed folds to metadata.json', async () => {
    const ws = await tempWorkspace();
    await writeFile(path.join(ws, 'flood.mjs'), STAGE_SCRIPT);
    await writeFile(path.join(ws, 'pipelines', 'flood.yaml'), `${JSON.stringify({ stages: [{ id: 'flood', run: [process.execPath, 'flood.mjs'] }] })}\n`);
    await startDaemon(ws, ['--concurrency', String(STAGES)]);
    const feed = new FeedClient({ workspace: ws, runs: 'all', startDaemon: false });
    await feed.start();
    try {
      const ids: string[] = [];
      for (let i = 0; i < STAGES; i++) ids.push(await startRun(ws, 'flood'));
      for (const id of ids) {
        const done = await waitForRun(ws, id, 'to succeed', (r) => r.status === 'succeeded', 60_000);
        expect(done.stages[0]?.status).toBe('succeeded');
        // The last line is what the run kept, though most lines before it were merged away.
        const events = (await readFile(path.join(ws, 'runs', id, 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        const progress = events.filter((e) => e.type === 'stage.progress');
        expect(progress.at(-1)).toMatchObject({ current: TOTAL - 7, total: TOTAL, message: 'last' });
        expect(progress.length).toBeLessThan(TOTAL / 10);
        expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
        // metadata.json is the fold of those events, and so is what a client of the feed holds.
        expect(done.seq).toBe(events.length);
        await waitFor(`the feed client to hold run ${id} finished`, () => feed.runs.get(id)?.seq === done.seq, 15_000);
        expect(feed.runs.get(id)).toEqual(done);
      }
    } finally {
      feed.close();
    }
  }, 120_000);
});
