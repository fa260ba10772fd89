import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

// A confirmation tells the run as the command left it, not as it was a moment before.
describe('control commands confirm the state they made', () => {
  it('approve prints the run running again, not awaiting_approval', async () => {
    const ws = await tempWorkspace({ gated: "stages:\n  - id: draft\n    run: 'true'\n  - id: publish\n    approval: true\n    run: 'true'\n" });
    await startDaemon(ws);
    const runId = await startRun(ws, 'gated');
    await waitForRun(ws, runId, 'to wait for approval', (r) => r.status === 'awaiting_approval');
    const approve = await cli(['approve', runId, '--workspace', ws]);
    expect(approve.exitCode).toBe(0);
    expect(approve.stdout).not.toContain('awaiting_approval');
    // Right after the approval the run goes on; a stage this quick may even have ended it already.
    expect(approve.stdout).toMatch(new RegExp(`^${runId}: approved \\(now (running|succeeded)\\)$`));
  });

  it('approve --json carries the state after the approval', async () => {
    const ws = await tempWorkspace({ gated: "stages:\n  - id: publish\n    approval: true\n    run: 'sleep 30'\n" });
    await startDaemon(ws);
    const runId = await startRun(ws, 'gated');
    await waitForRun(ws, runId, 'to wait for approval', (r) => r.status === 'awaiting_approval');
    const approve = await cli(['approve', runId, '--json', '--workspace', ws]);
    expect(JSON.parse(approve.stdout)).toEqual({ run_id: runId, status: 'running' });
    await cli(['cancel', runId, '--workspace', ws]);
  });

  it('reset names the stages it set back to pending and how to run them, not "(now succeeded)"', async () => {
    const ws = await tempWorkspace({ three: "stages:\n  - id: a\n    run: 'true'\n  - id: b\n    run: 'true'\n  - id: c\n    run: 'true'\n" });
    await startDaemon(ws);
    const runId = await startRun(ws, 'three');
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    const reset = await cli(['reset', runId, '--to', 'b', '--workspace', ws]);
    expect(reset.exitCode).toBe(0);
    expect(reset.stdout).toBe(`${runId}: reset to b: b, c pending again; pipe-tui resume ${runId} runs them`);
    const json = await cli(['reset', runId, '--to', '0', '--json', '--workspace', ws]);
    expect(JSON.parse(json.stdout)).toEqual({ run_id: runId, status: 'succeeded' });
  });
});
