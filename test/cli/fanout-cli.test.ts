import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// Five items, two of them failing; one of those named with an escape sequence that would clear the screen.
const FAN = `stages:
  - id: prep
    run: echo ready
  - id: tts
    foreach: [ok0, bad1, ok2, "bad3\\e[2J", ok4]
    max_parallel: 2
    run: |
      echo "item $PIPE_ITEM_INDEX"
      case $PIPE_ITEM in bad*) echo "boom $PIPE_ITEM"; exit 3;; esac
      echo "fine $PIPE_ITEM"
`;

// Every item fails: more than status lists.
const MANY = `params:
  n: { default: a }
stages:
  - id: each
    foreach: { param: n }
    run: exit 5
`;

// Item 1 ends when \`go\` appears, item 0 (and so the run) when \`release\` does.
const HELD = `stages:
  - id: tts
    foreach: [hold, bad1]
    max_parallel: 2
    run: |
      echo "waiting $PIPE_ITEM"
      case $PIPE_ITEM in
        hold) while [ ! -f release ]; do sleep 0.05; done ;;
        bad*) while [ ! -f go ]; do sleep 0.05; done; echo "boom $PIPE_ITEM"; exit 3 ;;
      esac
`;

describe('a fan-out stage on the command line', () => {
  it('status shows its items and each failed item with its value; logs --item prints an item log', async () => {
    const ws = await tempWorkspace({ fan: FAN });
    const { final } = await runIn(ws, 'fan');
    expect(final.status).toBe('failed');
    const runId = final.run_id;

    const status = await cli(['status', runId, '--workspace', ws]);
    expect(status.exitCode).toBe(0);
    const lines = status.stdout.split('\n');
    const at = lines.findIndex((l) => /^ {2}✘ tts +failed items 5\/5 ✔ 3 ✖ 2 /.test(l));
    expect(at, status.stdout).toBeGreaterThan(0);
    expect(lines[at]).toContain('ERR_ITEMS_FAILED');
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '      item 1 (bad1): ERR_STAGE_EXIT: exited with code 3',
      '      item 3 (bad3): ERR_STAGE_EXIT: exited with code 3',
    ]);
    expect(lines[at + 3]).toMatch(/^ {2}entity /);
    expect(status.stdout).not.toContain('\x1b');

    // --json is the file, as it is on disk (execa drops the last newline).
    const json = await cli(['status', runId, '--json', '--workspace', ws]);
    expect(json.stdout).toBe((await readFile(path.join(ws, 'runs', runId, 'metadata.json'), 'utf8')).replace(/\n$/, ''));

    const item = await cli(['logs', runId, 'tts', '--item', '1', '--workspace', ws]);
    expect(item.exitCode).toBe(0);
    expect(item.stdout).toContain('\nitem 1\nboom bad1\n');
    expect(item.stdout).not.toContain('fine');
    const escaped = await cli(['logs', runId, 'tts', '--item', '003', '--workspace', ws]);
    expect(escaped.stdout).toContain('\nboom bad3\n');
    expect(escaped.stdout).not.toContain('\x1b');
    const ok = await cli(['logs', runId, 'tts', '--item', '4', '-f', '--workspace', ws]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('\nitem 4\nfine ok4\n');

    // Without its items file a failed item is told by its index alone.
    await rm(path.join(ws, 'runs', runId, 'items', '01_tts.json'));
    const bare = await cli(['status', runId, '--workspace', ws]);
    expect(bare.stdout).toContain('\n      item 1: ERR_STAGE_EXIT: exited with code 3\n      item 3: ERR_STAGE_EXIT');
  });

  it('logs --item refuses a stage without items, an index out of range and anything but digits, with ERR_USAGE', async () => {
    const ws = await tempWorkspace({ fan: FAN });
    const runId = (await runIn(ws, 'fan')).final.run_id;
    const cases: [string[], RegExp][] = [
      [['prep', '--item', '0'], /ERR_USAGE: stage prep has no items: it is not a fan-out stage/],
      [['tts', '--item', '5'], /ERR_USAGE: stage tts has no item 5: it has 5 items \(items 0 to 4\)/],
      [['tts', '--item', 'x'], /ERR_USAGE: --item takes an item's index .*not "x"/],
      [['tts', '--item', '-1'], /ERR_USAGE: --item takes an item's index .*not "-1"/],
      [['tts', '--item', '1.0'], /ERR_USAGE: --item takes an item's index/],
      [['tts', '--item', '../../metadata'], /ERR_USAGE: --item takes an item's index/],
      [['tts', '--item', '1'.repeat(40)], /ERR_USAGE: --item 1{24}…: no stage has that many items/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['logs', runId, ...args, '--workspace', ws]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
    }
  });

  it('status lists 20 failed items, then how many more', async () => {
    const ws = await tempWorkspace({ many: MANY });
    const n = Array.from({ length: 23 }, (_, i) => `v${i}`).join(',');
    const { final } = await runIn(ws, 'many', { params: { n } });
    const status = await cli(['status', final.run_id, '--workspace', ws]);
    expect(status.stdout).toContain('items 23/23 ✔ 0 ✖ 23');
    const items = status.stdout.split('\n').filter((l) => l.startsWith('      '));
    expect(items).toHaveLength(21);
    expect(items[0]).toBe('      item 0 (v0): ERR_STAGE_EXIT: exited with code 5');
    expect(items[19]).toBe('      item 19 (v19): ERR_STAGE_EXIT: exited with code 5');
    expect(items[20]).toBe('      … and 3 more');
  });

  it('logs -f --item follows the item until it ends, while the run goes on; status shows the items running', async () => {
    const ws = await tempWorkspace({ held: HELD });
    let runId = '';
    const running = runIn(ws, 'held', { onStart: (r) => (runId = r.state.run_id) });
    await waitFor('the run to start', () => runId);
    const busy = await waitFor('status to show both items running', async () => {
      const s = await cli(['status', runId, '--workspace', ws]);
      return s.stdout.includes('items 0/2 ✔ 0 ▶ 2') && s.stdout;
    });
    expect(busy).toMatch(/▶ tts +running items 0\/2 ✔ 0 ▶ 2/);

    const follow = cli(['logs', runId, 'tts', '--item', '1', '-f', '--workspace', ws]);
    let seen = '';
    follow.stdout?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await waitFor('the follower to print the item so far', () => seen.includes('waiting bad1\n'));
    expect(follow.exitCode).toBeNull();
    await writeFile(path.join(ws, 'go'), '');
    const followed = await follow;
    expect(followed.exitCode).toBe(0);
    expect(followed.stdout).toContain('waiting bad1\nboom bad1\n===== pipe-tui: ERR_STAGE_EXIT: exited with code 3');

    // It ended with its item: the other one still runs, and status names the failed one under the stage.
    const after = await cli(['status', runId, '--workspace', ws]);
    expect(after.stdout).toContain('items 1/2 ✔ 0 ✖ 1 ▶ 1');
    expect(after.stdout.split('\n')).toContain('      item 1 (bad1): ERR_STAGE_EXIT: exited with code 3');
    await writeFile(path.join(ws, 'release'), '');
    expect((await running).final.status).toBe('failed');
  });
});
