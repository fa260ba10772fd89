import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// A stage printing what real programs print: a `\r` progress bar, a coloured log line, and escapes that would
// copy to the clipboard (OSC 52), retitle the window, clear the screen and move the cursor; then it fails.
const TRAIN = `stages:
  - id: train
    run: |
      i=0; while [ $i -le 100 ]; do printf '\\r%3d%%|%-10s| %d/100' $i "$(printf '%*s' $((i / 10)) '' | tr ' ' '#')" $i; i=$((i+5)); done; printf '\\n'
      printf '\\033[32mINFO\\033[0m ready\\n'
      printf 'copy \\033]52;c;aGVsbG8=\\007title \\033]0;x\\007clear \\033[2Jhome \\033[Hdone\\n'
      exit 3
`;

describe('a stage log shown as a terminal shows it, its file kept as written', () => {
  it('logs into a pipe prints the last frame of each line as plain text, with no escape at all', async () => {
    const ws = await tempWorkspace({ train: TRAIN });
    // Without a terminal (into a pipe) the failed stage's last lines follow its failure, rendered the same way.
    const run = await cli(['run', 'train', '--foreground', '--workspace', ws], { env: { NO_COLOR: '' } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('[train] | 100%|##########| 100/100\n[train] | INFO ready\n[train] | copy title clear home done\n');
    const runId = /run (\S+) failed/.exec(run.stdout)?.[1] as string;

    const logs = await cli(['logs', runId, 'train', '--workspace', ws], { env: { NO_COLOR: '' } });
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toContain('\n100%|##########| 100/100\nINFO ready\ncopy title clear home done\n');
    expect(logs.stdout).not.toContain('95/100');
    expect(logs.stdout).not.toMatch(/[\x1b\x07\r]/);

    const raw = await readFile(path.join(ws, 'runs', runId, 'logs', '00_train.log'), 'utf8');
    expect(raw).toContain('\r 95%|######### | 95/100');
    expect(raw).toContain('\x1b]52;c;aGVsbG8=\x07');
    expect(raw).toContain('\x1b[32mINFO\x1b[0m');
  });
});
