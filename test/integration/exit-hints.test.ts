import { afterEach, describe, expect, it } from 'vitest';
import { removeWorkspaces, runIn, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// Exit codes a shell gives for a reason of its own: the message says the reason, so nobody has to know the table.
describe('exit codes that mean something say what', () => {
  it.each([
    ['127', "run: 'no-such-command-here --flag'", 127, /^exited with code 127: command not found/],
    ['126', "run: 'touch x.sh; ./x.sh'", 126, /^exited with code 126: the command is not executable/],
    ['137', "run: 'sh -c ''kill -9 $$''; exit $?'", 137, /^exited with code 137: killed by SIGKILL, often for want of memory/],
    ['1', "run: 'exit 1'", 1, /^exited with code 1$/],
  ])('exit %s', async (_name, run, code, message) => {
    const ws = await tempWorkspace({ p: `stages:\n  - id: s\n    ${run}\n` });
    const { final } = await runIn(ws, 'p');
    const error = final.stages[0]?.error;
    expect(error).toMatchObject({ code: 'ERR_STAGE_EXIT', exit_code: code });
    expect(error?.message).toMatch(message);
  });

  it('a stage killed by SIGKILL itself says memory may be why', async () => {
    const ws = await tempWorkspace({ p: "stages:\n  - id: s\n    run: [sh, -c, 'kill -9 $$']\n" });
    const { final } = await runIn(ws, 'p');
    expect(final.stages[0]?.error).toMatchObject({ code: 'ERR_STAGE_SIGNAL', signal: 'SIGKILL' });
    expect(final.stages[0]?.error?.message).toMatch(/^killed by SIGKILL \(out of memory\?/);
  });
});
