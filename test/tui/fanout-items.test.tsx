import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEventBody } from '../../src/shared/events.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';
import { itemLogName, stageLogName } from '../../src/shared/names.js';
import { App } from '../../src/tui/App.js';
import { ItemList } from '../../src/tui/components/ItemList.js';
import { StageRow } from '../../src/tui/components/StageRow.js';
import { DisplayContext } from '../../src/tui/display.js';
import { itemOrder } from '../../src/tui/item-order.js';
import { itemsLayout } from '../../src/tui/layout.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';
import { T0, runFrom } from './run-states.js';
import { screenOf } from '../helpers/ink-screen.js';

// A fan-out stage in the TUI: its row's counts at 80 columns, and its item list (Enter), failed items first, each
// item's log in the pane, on real run folders; 10 000 items open as fast as 30, drawing a screenful of rows.

const mounted: { unmount: () => void }[] = [];
afterEach(async () => {
  for (const app of mounted.splice(0)) app.unmount();
  await removeWorkspaces();
});

type Body = RunEventBody & { ms?: number };
const RUN_ID = '20261124-100000-000-abc123';
const STARTED = 3000;

/**
 * Events of a run whose stage 1 (research) fans out over `total` items: items below `upTo` started in order, over
 * `spanMs`; those in `failed` failed, those in `running` still run, the others succeeded.
 */
function fanout(total: number, upTo: number, failed: number[], running: number[], spanMs: number): Body[] {
  const bodies: Body[] = [
    { type: 'run.started', ms: 0 },
    { type: 'stage.started', stage: 0, attempt: 1, pgid: 1, ms: 1000 },
    { type: 'stage.succeeded', stage: 0, outputs: [], ms: 2000 },
    { type: 'stage.started', stage: 1, attempt: 1, pgid: null, ms: STARTED },
    { type: 'stage.items', stage: 1, total, ms: STARTED },
  ];
  for (let item = 0; item < upTo; item++) {
    const ms = STARTED + Math.round((spanMs * item) / Math.max(1, upTo));
    bodies.push({ type: 'item.started', stage: 1, item, attempt: 1, ms });
    if (running.includes(item)) continue;
    const error = { code: 'ERR_STAGE_EXIT', message: `exit code 3: boom bad${item}`, exit_code: 3, signal: null, stack: null, at: new Date(T0 + ms).toISOString() };
    bodies.push(failed.includes(item) ? { type: 'item.failed', stage: 1, item, error, ms } : { type: 'item.succeeded', stage: 1, item, ms });
  }
  return bodies;
}

const finishedBadly = (bodies: Body[], ms: number): Body[] => [
  ...bodies,
  { type: 'stage.failed', stage: 1, error: { code: 'ERR_ITEMS_FAILED', message: 'items failed', exit_code: null, signal: null, stack: null, at: new Date(T0 + ms).toISOString() }, ms },
  { type: 'run.finished', status: 'failed', error: { code: 'ERR_ITEMS_FAILED', message: 'items failed', stage: 'research' }, ms },
];

const frame = (node: React.ReactNode, ascii = false): string => {
  const app = render(<DisplayContext.Provider value={{ ascii, color: false }}>{node}</DisplayContext.Provider>);
  mounted.push(app);
  return app.lastFrame() ?? '';
};

describe("a fan-out stage's row at 80 columns", () => {
  const rowOf = (run: RunMetadata, now: number, ascii = false): string => {
    const stage = run.stages[1];
    if (!stage) throw new Error('no stage 1');
    return frame(<StageRow stage={stage} selected width={80} now={now} />, ascii);
  };
  const failed = [3, 90, 400, 733];
  const running = [734, 735, 736, 737, 738, 739, 740, 741];

  it('shows its bar, then its items done, succeeded, failed and running, its time and ETA', () => {
    const run = runFrom(fanout(1000, 742, failed, running, 130_000), RUN_ID);
    const row = rowOf(run, T0 + STARTED + 130_000);
    expect(row).toMatch(/^› ▶ research +█{9}░{3} items 734\/1000 ✔ 730 ✖ 4 ▶ 8  2m 10s  ETA \d/);
    expect(row.length).toBeLessThanOrEqual(80);
    expect(rowOf(run, T0 + STARTED + 130_000, true)).toMatch(/^> > research +#{9}-{3} items 734\/1000 ok 730 x 4 > 8  2m 10s  ETA \d/);
  });

  it('with 10 000 items, narrows its bar so that the time and ETA still show whole', () => {
    const big = runFrom(fanout(10_000, 7348, failed, running.map((i) => i + 6606), 130_000), RUN_ID);
    const row = rowOf(big, T0 + STARTED + 130_000);
    expect(row).toMatch(/^› ▶ research +█{4}░{2} items 7340\/10000 ✔ 7336 ✖ 4 ▶ 8  2m 10s  ETA \d+\S*$/);
    expect(row.length).toBeLessThanOrEqual(80);
  });

  it('once ended, its counts without a bar, its time and its code', () => {
    const run = runFrom(finishedBadly(fanout(30, 30, [7, 19], [], 6000), STARTED + 6000), RUN_ID);
    expect(rowOf(run, T0 + 60_000)).toMatch(/^› ✘ research +items 30\/30 ✔ 28 ✖ 2  6\.0s  ERR_ITEMS_FAILED$/);
  });
});

describe('the item list of a running fan-out', () => {
  it('lists the failed with code and message, then the running with their time, then the succeeded and the pending', () => {
    const run = runFrom(fanout(12, 6, [2, 4], [5], 5000), RUN_ID);
    const stage = run.stages[1];
    if (!stage?.items) throw new Error('no items');
    const values = Array.from({ length: 12 }, (_, i) => (i === 2 || i === 4 ? `bad${i}` : `lang-${i}`));
    const out = frame(<ItemList stage={{ ...stage, items: stage.items }} order={itemOrder(stage.items)} values={values} item={null} height={20} width={80} now={T0 + STARTED + 9000} />);
    const rows = out.split('\n');
    expect(rows[0]).toBe('▶ research · items 5/12 ✔ 3 ✖ 2 ▶ 1');
    expect(rows.slice(1, 6)).toEqual([
      '› ✘  2  bad2                ERR_STAGE_EXIT  exit code 3: boom bad2',
      '  ✘  4  bad4                ERR_STAGE_EXIT  exit code 3: boom bad4',
      '  ▶  5  lang-5              4.8s',
      '  ✔  0  lang-0',
      '  ✔  1  lang-1',
    ]);
    expect(rows.slice(6)).toEqual([3, 6, 7, 8, 9, 10, 11].map((i) => `  ${i === 3 ? '✔' : '·'} ${String(i).padStart(2)}  lang-${i}`));
  });

  it('draws nothing but ASCII with --ascii, and cuts a long value and message to the width', () => {
    const run = runFrom(fanout(12, 6, [2, 4], [5], 5000), RUN_ID);
    const stage = run.stages[1];
    if (!stage?.items) throw new Error('no items');
    const values = Array.from({ length: 12 }, (_, i) => `${'é'.repeat(i)}\x1b[2J${'x'.repeat(200)}`);
    const ascii = frame(<ItemList stage={{ ...stage, items: stage.items }} order={itemOrder(stage.items)} values={values.map((v) => v.replace(/é/g, 'e'))} item={4} height={5} width={80} now={T0 + 9000} />, true);
    expect(ascii, ascii).not.toMatch(/[^\x00-\x7f]/);
    expect(ascii).toMatch(/^> x +4 {2}eeee \[2Jx+\.\.\. {2}ERR_STAGE_EXIT/m);
    const wide = frame(<ItemList stage={{ ...stage, items: stage.items }} order={itemOrder(stage.items)} values={values} item={null} height={5} width={60} now={T0 + 9000} />);
    for (const line of wide.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(wide).not.toContain('\x1b');
  });
});

// --- The whole TUI on a run folder --------------------------------------------------------------------------------

function mount(ws: string) {
  const app = render(
    <DisplayContext.Provider value={{ ascii: false, color: false }}>
      <App workspace={ws} startDaemon={false} />
    </DisplayContext.Provider>,
  );
  mounted.push(app);
  const screen = screenOf(app);
  return { app, screen };
}

/** A run folder as the daemon leaves one: metadata.json, the items file, the stage's log and each item's log. */
async function runFolder(ws: string, run: RunMetadata, values: string[], itemLog: (item: number) => string, logged = values.map((_, i) => i)): Promise<void> {
  const dir = path.join(ws, 'runs', run.run_id);
  const stageLog = path.join(dir, stageLogName(1, 'research'));
  await mkdir(path.join(dir, 'items'), { recursive: true });
  await mkdir(stageLog.replace(/\.log$/, ''), { recursive: true });
  await writeFile(path.join(dir, 'metadata.json'), JSON.stringify(run));
  await writeFile(path.join(dir, 'items', '01_research.json'), JSON.stringify({ stage: 'research', items: values }));
  await writeFile(stageLog, '===== pipe-tui: stage research: the stage log =====\n');
  for (const i of logged) await writeFile(itemLogName(stageLog, i), itemLog(i));
}

const KEY = { enter: '\r', down: '\u001b[B', up: '\u001b[A', pageDown: '\u001b[6~', esc: '\u001b' };
/** The rows of the item list: marker, status symbol, index. */
const itemRows = (f: string): string[] => f.split('\n').filter((line) => /^[› ] [✘✔▶↻·] +\d+  /.test(line));

describe('the item list in the TUI, on a real run folder', () => {
  it('Enter opens it, failed first; moving chooses an item and the pane shows its log; Esc goes back', async () => {
    const ws = await tempWorkspace();
    const values = Array.from({ length: 30 }, (_, i) => (i === 7 || i === 19 ? `bad${i}` : `seg-${i}`));
    await runFolder(ws, runFrom(finishedBadly(fanout(30, 30, [7, 19], [], 6000), STARTED + 6000), RUN_ID), values, (i) =>
      values[i]?.startsWith('bad') ? `working on ${values[i]}\nboom ${values[i]}\n` : `working on ${values[i]}\ndone ${values[i]}\n`,
    );
    const { app, screen } = mount(ws);
    await screen(/› ✘ research +items 30\/30 ✔ 28 ✖ 2/);
    await screen(/Enter items/);

    app.stdin.write(KEY.enter);
    const open = await screen(/log: research item 7 \(bad7\) \(following\)\n.*working on bad7\n.*boom bad7/);
    const rows = itemRows(open);
    expect(rows.slice(0, 3)).toEqual([
      expect.stringMatching(/^› ✘ +7 {2}bad7 +ERR_STAGE_EXIT {2}exit code 3: boom bad7$/),
      expect.stringMatching(/^ {2}✘ +19 {2}bad19 +ERR_STAGE_EXIT {2}exit code 3: boom bad19$/),
      expect.stringMatching(/^ {2}✔ +0 {2}seg-0$/),
    ]);
    expect(open).toMatch(/^✘ research · items 30\/30 ✔ 28 ✖ 2/m);
    expect(open).toMatch(/↑↓ item {2}PgUp\/PgDn page/);

    app.stdin.write(KEY.down);
    await screen(/› ✘ +19 [\s\S]*log: research item 19 \(bad19\)[\s\S]*boom bad19/);
    app.stdin.write(KEY.down);
    const third = await screen(/› ✔ +0 [\s\S]*log: research item 0 \(seg-0\)[\s\S]*done seg-0/);
    expect(third.slice(third.indexOf('log: research item 0'))).not.toContain('boom');
    // A page (7 rows at 24 rows) further: from the third row to the tenth, item 8 (7 is listed above, failed); the
    // list has scrolled, the chosen row in view.
    expect(itemsLayout(24, 0).items).toBe(7);
    app.stdin.write(KEY.pageDown);
    const paged = await screen(/› ✔ +8 {2}seg-8[\s\S]*done seg-8/);
    expect(paged).toMatch(/row 10 of 30/);
    expect(itemRows(paged).map((r) => Number(r.slice(4, 6)))).toEqual([4, 5, 6, 8, 9, 10, 11]);

    app.stdin.write(KEY.esc);
    const back = await screen((f) => /› ✘ research +items 30\/30/.test(f) && !/log: research item/.test(f), 'the run screen again');
    // The run's error panel is back, and the chosen stage is still research.
    expect(back).toMatch(/ERR_ITEMS_FAILED in research/);
  });

  it('opens a stage of 10 000 items at once, drawing a screenful of rows, not 10 000', async () => {
    const ws = await tempWorkspace();
    const total = 10_000;
    // Built directly (20 000 item events would only slow the test): 40 failed, the others succeeded.
    const base = runFrom(finishedBadly(fanout(total, 0, [], [], 0), 60_000), RUN_ID);
    const failed = Array.from({ length: 40 }, (_, i) => ({ index: i * 250 + 3, attempts: 2, code: 'ERR_STAGE_EXIT', message: `boom bad${i * 250 + 3}` }));
    const items = { total, next: total, succeeded: total - failed.length, running: [], failed };
    const run = { ...base, stages: base.stages.map((s) => (s.index === 1 ? { ...s, items, progress: { ...(s.progress ?? { message: null, at: s.started_at ?? '', rate_per_s: null, remaining_ms: null, unit: null }), current: total, total } } : s)) } as RunMetadata;
    const values = Array.from({ length: total }, (_, i) => `segment-${i}`);
    await runFolder(ws, run, values, (i) => `item ${i} log\n`, [3, 9999]);
    const { app, screen } = mount(ws);
    await screen(/› ✘ research +items 10000\/10000 ✔ 9960 ✖ 40/);

    const asked = performance.now();
    app.stdin.write(KEY.enter);
    const open = await screen(/› ✘ +3  segment-3 [\s\S]*item 3 log/);
    const took = performance.now() - asked;
    const rows = itemRows(open);
    expect(rows.length).toBe(itemsLayout(24, 0).items);
    expect(open.split('\n').length).toBeLessThanOrEqual(24);
    expect(open).toMatch(/row 1 of 10000/);
    // To the end and back: still a window of rows, the last one's log.
    app.stdin.write('G');
    const end = await screen(/› ✔ 9999  segment-9999[\s\S]*item 9999 log/);
    expect(itemRows(end)).toHaveLength(itemsLayout(24, 0).items);
    console.log(`10 000 items: the list and its first item's log on screen ${took.toFixed(0)} ms after Enter`);
    expect(took).toBeLessThan(3000);
  });
});
