import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecorder } from '../../src/daemon/engine/run-recorder.js';
import { removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

// A Python stage prints a progress line, then waits for the test's go-ahead: its progress must be seen while it
// waits. Python block-buffers stdout into a pipe, so without PYTHONUNBUFFERED the line would come only at its exit.
const PY = `import os, time
print("::pipe:progress 1/2 halfway")
print("echo " + os.environ.get("PYTHONUNBUFFERED", "(unset)"))
end = time.time() + 120  # never outlives a failed test for long
while not os.path.exists("go") and time.time() < end:
    time.sleep(0.02)
print("::pipe:progress 2/2 done")
`;
const pipeline = (env = ''): string => `stages:\n  - id: py\n    run: [python3, stage.py]\n    timeout: 150s\n${env}`;

let saved: string | undefined;
beforeEach(() => {
  // The user's own setting would hide what pipe-tui does; each test sets the environment it means.
  saved = process.env.PYTHONUNBUFFERED;
  delete process.env.PYTHONUNBUFFERED;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.PYTHONUNBUFFERED;
  else process.env.PYTHONUNBUFFERED = saved;
  await removeWorkspaces();
});

async function progressBeforeExit(ws: string): Promise<RunRecorder> {
  await writeFile(path.join(ws, 'stage.py'), PY);
  let recorder: RunRecorder | null = null;
  const ran = runIn(ws, 'py', { onStart: (r) => (recorder = r) });
  const live = await waitFor('the run to start', () => recorder);
  await waitFor('the progress line while the stage still runs', () => live.state.stages[0]?.progress?.message === 'halfway');
  expect(live.state.stages[0]?.status).toBe('running');
  await writeFile(path.join(ws, 'go'), '');
  expect((await ran).final.status).toBe('succeeded');
  return live;
}

describe('Python stages are not silent until they exit', () => {
  it('a python3 stage whose stdout is a pipe reports progress while it runs (PYTHONUNBUFFERED=1 by default)', async () => {
    const ws = await tempWorkspace({ py: pipeline() });
    await progressBeforeExit(ws);
  });

  it('keeps a value the stage env or the user set', async () => {
    const ws = await tempWorkspace({ py: pipeline("    env: { PYTHONUNBUFFERED: 'x' }\n") });
    process.env.PYTHONUNBUFFERED = 'from-user';
    const { stageEnv } = await import('../../src/daemon/engine/stage-env.js');
    const ctx = { runId: 'r', runDir: ws, workspace: ws, index: 0, attempt: 1, params: {} };
    const stage = { id: 'py', env: {} } as unknown as Parameters<typeof stageEnv>[0];
    expect(stageEnv(stage, ctx).PYTHONUNBUFFERED).toBe('from-user');
    expect(stageEnv({ ...stage, env: { PYTHONUNBUFFERED: '' } }, ctx).PYTHONUNBUFFERED).toBe('');
    delete process.env.PYTHONUNBUFFERED;
    expect(stageEnv(stage, ctx).PYTHONUNBUFFERED).toBe('1');
    // A real run with the stage's own value: it arrives unchanged.
    const live = await progressBeforeExit(ws);
    expect(await readFile(path.join(live.dir, 'logs', '00_py.log'), 'utf8')).toContain('echo x\n');
  });
});
