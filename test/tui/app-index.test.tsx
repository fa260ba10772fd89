import { writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { indexEntryOf, indexLineText } from '../../src/shared/run-index-entry.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { App } from '../../src/tui/App.js';
import { DisplayContext } from '../../src/tui/display.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';
import { states } from './run-states.js';
import { screenOf } from '../helpers/ink-screen.js';

// The TUI on a workspace of many runs, listed from the runs index: more runs than the first screenful read, found
// by `/` and reached by PgDn / PgUp, G and g.

const mounted: { unmount: () => void }[] = [];
afterEach(async () => {
  for (const app of mounted.splice(0)) app.unmount();
  await removeWorkspaces();
});

function mount(workspace: string) {
  const app = render(
    <DisplayContext.Provider value={{ ascii: false, color: false }}>
      <App workspace={workspace} startDaemon={false} />
    </DisplayContext.Provider>,
  );
  mounted.push(app);
  const screen = screenOf(app);
  return { app, screen };
}

const RUNS = 400;
// Newest first: run399 … run000, a minute apart, an hour or more ago.
const idOf = (n: number): string => {
  const at = new Date(Date.now() - 3_600_000 - (RUNS - n) * 60_000);
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*/, '');
  return `${stamp}-000-run${String(n).padStart(3, '0')}`;
};

/** Finished runs whose index lines say pipeline `indexed`; their folders say `on-disk` (so the list shows which it read). */
async function manyRuns(ws: string): Promise<string[]> {
  const ids: string[] = [];
  const lines: string[] = [];
  for (let n = 0; n < RUNS; n++) {
    const runId = idOf(n);
    const base = n % 2 ? states.failed() : states.cancelled();
    const created = runId.replace(/^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)-.*/, '$1-$2-$3T$4:$5:$6.000Z');
    const run: RunMetadata = { ...base, run_id: runId, created_at: created, pipeline: 'indexed' };
    await mkdir(path.join(ws, 'runs', runId), { recursive: true });
    await writeFile(path.join(ws, 'runs', runId, 'metadata.json'), JSON.stringify({ ...run, pipeline: 'on-disk' }));
    lines.push(indexLineText(indexEntryOf(run)));
    ids.push(runId);
  }
  await mkdir(daemonPaths(ws).dir, { recursive: true });
  writeFileSync(daemonPaths(ws).runIndex, lines.join(''));
  return ids.reverse();
}

describe('the run list from the runs index', () => {
  it('lists every run by its index line, finds an old one with /, and pages with PgDn / PgUp, G and g', async () => {
    const ws = await tempWorkspace();
    await manyRuns(ws);
    const { app, screen } = mount(ws);
    await screen(/› ✘ indexed +run399/);
    // The row is the index's line; the selected run's own header is its folder's metadata.json, read on demand.
    await screen(/\n✘ on-disk [^\n]*run399/);
    // The oldest run, far past the newest screenful: every run is listed.
    app.stdin.write('G');
    await screen(/› ⊘ indexed +run000/);
    await screen(/↑ \d+ newer/);
    app.stdin.write('g');
    await screen(/› ✘ indexed +run399/);
    // PgDn: a page of the list (its rows) at a time; PgUp back.
    const rows = (app.lastFrame() ?? '').split('\n').filter((l) => /indexed +run\d{3}/.test(l)).length;
    expect(rows).toBeGreaterThan(2);
    app.stdin.write('\u001b[6~');
    const paged = await screen(new RegExp(`› [^\\n]*run${399 - rows}`));
    expect(paged).toMatch(/↑ \d+ newer/);
    app.stdin.write('\u001b[6~');
    await screen(new RegExp(`› [^\\n]*run${399 - 2 * rows}`));
    app.stdin.write('\u001b[5~');
    await screen(new RegExp(`› [^\\n]*run${399 - rows}`));
    // `/` over the whole list: an old run by its id, then by status.
    app.stdin.write('/run012');
    const found = await screen(/› ⊘ indexed +run012/);
    expect(found).not.toMatch(/run399/);
    app.stdin.write('\r');
    await screen(/\/run012 \(Esc clears\)/);
    // Esc clears it: every run again, the one selected before the search still selected.
    app.stdin.write('\x1b');
    await screen((frame) => new RegExp(`› [^\\n]*run${399 - rows}`).test(frame) && !frame.includes('Esc clears'), 'the whole list again');
    app.stdin.write('/cancel');
    const cancelled = await screen((frame) => /› ⊘ indexed +run398/.test(frame) && !/✘ indexed/.test(frame), 'only the cancelled runs');
    expect(cancelled).toMatch(/⊘ indexed +run396/);
  });
});
