import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

describe('pipe-tui init', () => {
  it('writes a first pipeline that validates and runs, and never overwrites one', async () => {
    const ws = await tempWorkspace();
    const init = await cli(['init', '--workspace', ws]);
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toContain('hello.yaml');
    expect((await cli(['validate', 'hello', '--workspace', ws])).exitCode).toBe(0);
    const run = await cli(['run', 'hello', '--foreground', '--json', '--workspace', ws]);
    expect(JSON.parse(String(run.stdout))).toMatchObject({ status: 'succeeded' });
    // A workspace with pipelines is left as it is.
    const file = path.join(ws, 'pipelines', 'hello.yaml');
    await writeFile(file, 'stages:\n  - id: mine\n    run: echo mine\n');
    const again = await cli(['init', '--json', '--workspace', ws]);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(String(again.stdout))).toEqual({ written: null, pipelines: ['hello'] });
    expect(await readFile(file, 'utf8')).toContain('echo mine');
  });
});
