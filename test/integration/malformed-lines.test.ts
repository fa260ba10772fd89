import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// Three malformed lines, then a flood of them: the first is counted at once, the rest in a few events.
const NOISY = `stages:
  - id: noisy
    run: 'echo ::pipe:progress x/y; echo ::pipe:cost lots; echo ::pipe:bogus; i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo ::pipe:progress 9/3; done; echo ::pipe:progress 1/1'
`;

describe('malformed ::pipe: lines', () => {
  it('are counted on the stage (in a few events, not one per line) and shown by status, beside the warnings in the log', async () => {
    const ws = await tempWorkspace({ noisy: NOISY });
    const { final, recorder } = await runIn(ws, 'noisy');
    expect(final.status).toBe('succeeded');
    expect(final.stages[0]?.malformed_lines).toBe(2003);
    expect(final.stages[0]?.progress).toMatchObject({ current: 1, total: 1 });
    expect(recorder.state.seq).toBeLessThan(30);
    const status = await cli(['status', final.run_id, '--workspace', ws]);
    expect(status.stdout).toContain('(2003 malformed ::pipe: lines: see its log)');
  });
});
