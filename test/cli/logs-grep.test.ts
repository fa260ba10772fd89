import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// A stage printing 30 000 lines with needles near the start, in the middle (in colour) and at the end, and a
// progress bar whose earlier frame holds a word its last frame does not.
const PIPELINE = `stages:
  - id: big
    run: |
      echo "needle first"
      i=0; while [ $i -lt 15000 ]; do echo "filler $i"; i=$((i+1)); done
      printf "\\033[31mERR_BOOM\\033[0m needle middle\\n"
      i=0; while [ $i -lt 15000 ]; do echo "filler $i"; i=$((i+1)); done
      printf "stale 10%%\\rdone 100%%\\n"
      echo "needle last"
`;

describe('logs --grep', () => {
  it('prints the matching lines as shown, with context and --tail, and exits 1 when nothing matches', async () => {
    const ws = await tempWorkspace({ p: PIPELINE });
    const { final } = await runIn(ws, 'p');
    const id = final.run_id;
    // (execa drops the output's last newline.)
    const grep = (...args: string[]) => cli(['logs', id, 'big', '--workspace', ws, ...args], { env: { NO_COLOR: '1' } });
    expect(String((await grep('--grep', 'needle')).stdout)).toBe('needle first\nERR_BOOM needle middle\nneedle last');
    expect(String((await grep('--grep', 'Needle')).stdout)).toBe('');
    const context = await grep('--grep', 'ERR_BOOM', '-C', '1');
    expect(String(context.stdout)).toBe('filler 14999\nERR_BOOM needle middle\nfiller 0');
    expect(String((await grep('--grep', 'needle', '--tail', '1')).stdout)).toBe('needle last');
    expect(String((await grep('--grep', '^filler 1499[89]$', '--regex')).stdout)).toBe('filler 14998\nfiller 14999\nfiller 14998\nfiller 14999');
    // The text as shown: the bar's earlier frame is gone.
    expect((await grep('--grep', 'stale')).exitCode).toBe(1);
    expect(String((await grep('--grep', 'done 100%')).stdout)).toBe('done 100%');
    const none = await grep('--grep', 'no such thing');
    expect([none.exitCode, String(none.stdout)]).toEqual([1, '']);
  });

  it('refuses what it cannot do, with ERR_USAGE', async () => {
    const ws = await tempWorkspace({ p: 'stages:\n  - id: s\n    run: echo hi\n' });
    const { final } = await runIn(ws, 'p');
    for (const args of [['--grep', 'x', '-C', 'q'], ['--grep', 'x', '-f'], ['--grep', '(', '--regex'], ['--tail', '3']]) {
      const result = await cli(['logs', final.run_id, 's', '--workspace', ws, ...args]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(String(result.stderr)).toMatch(/ERR_USAGE/);
    }
  });
});
