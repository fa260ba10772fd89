import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// Each item notes when it took and gave back its slot (nanoseconds), appending a line before and after its work.
const HOLDER = `stages:
  - id: train
    foreach: [a, b, c, d]
    max_parallel: 4
    pool: gpu
    run: 'echo "take $PIPE_POOL_SLOT $(date +%s%N)" >> holds.txt; sleep 0.4; echo "give $PIPE_POOL_SLOT $(date +%s%N)" >> holds.txt'
`;

describe('resource pools', () => {
  it('two runs sharing a 2-slot pool never hold more than 2 slots, nor one slot twice; the wait is shown', async () => {
    const ws = await tempWorkspace({ one: HOLDER, two: HOLDER });
    await writeFile(path.join(ws, 'pipe-tui.yaml'), 'pools:\n  gpu: 2\n');
    await startDaemon(ws, ['--concurrency', '2']);
    const [a, b] = [await startRun(ws, 'one'), await startRun(ws, 'two')];
    for (const id of [a, b]) await waitForRun(ws, id, 'both runs to succeed', (r) => r.status === 'succeeded', 60_000);
    const lines = (await readFile(path.join(ws, 'holds.txt'), 'utf8')).trim().split('\n').map((l) => l.split(' '));
    expect(lines).toHaveLength(16);
    const held = new Set<string>();
    let most = 0;
    for (const [what, slot] of lines.sort((x, y) => Number(BigInt(x[2] as string) - BigInt(y[2] as string)))) {
      expect(slot, 'a slot of the pool').toMatch(/^[01]$/);
      if (what === 'take') {
        expect(held.has(slot as string), `slot ${slot} taken while held`).toBe(false);
        held.add(slot as string);
      } else held.delete(slot as string);
      most = Math.max(most, held.size);
    }
    expect(most).toBeLessThanOrEqual(2);
    // Eight items of 0.4 s through two slots: each run's items waited, and said so, and said when it ended.
    for (const id of [a, b]) {
      const events = (await readFile(path.join(ws, 'runs', id, 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; pool?: string | null; size?: number });
      const waits = events.filter((e) => e.type === 'stage.waiting');
      expect(waits).toContainEqual(expect.objectContaining({ pool: 'gpu', size: 2 }));
      expect(waits.at(-1)).toMatchObject({ pool: null });
    }
    const done = await waitForRun(ws, a, 'the first run', (r) => r.status === 'succeeded');
    expect(done.stages[0]?.waiting_for).toBeNull();
  });

  it('fails a stage whose pool pipe-tui.yaml does not declare, with ERR_CONFIG_INVALID', async () => {
    const ws = await tempWorkspace({ p: `stages:\n  - id: s\n    pool: tpu\n    run: 'echo ran > ran.txt'\n` });
    const { final } = await runIn(ws, 'p');
    expect(final.error).toMatchObject({ code: 'ERR_CONFIG_INVALID', stage: 's' });
    expect(final.error?.message).toContain('pool "tpu" is not declared in pipe-tui.yaml');
    await expect(readFile(path.join(ws, 'ran.txt'))).rejects.toThrow();
  });
});
