import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const TYPOS = `stages:
  - id: a
    run: 'true'
    retires: 3
  - id: b
    command: 'echo hi'
notify:
  comand: 'echo failed'
`;

describe('validate for a newcomer', () => {
  it('--json prints the problems of an invalid file on stdout, nothing on stderr, and still exits 2', async () => {
    const ws = await tempWorkspace();
    const file = path.join(ws, 'broken.yaml');
    await writeFile(file, 'stages:\n  - id: a\n    run: x\n    timeout: 5 minutes\n  - id: b\n');
    const result = await cli(['validate', file, '--json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      valid: false,
      file,
      problems: ['stages.0.timeout: not a duration: "5 minutes" (write 250ms, 2s, 10m or 1h)', 'stages.1.run: required'],
    });
    await writeFile(file, 'stages: [ {id: a, run: x\n');
    const yaml = await cli(['validate', file, '--json']);
    expect(yaml.exitCode).toBe(2);
    expect(JSON.parse(yaml.stdout)).toMatchObject({ valid: false, problems: [expect.stringMatching(/not valid YAML/)] });
  });

  it('takes a pipeline name as run does: pipelines/NAME.yaml of the workspace', async () => {
    const ws = await tempWorkspace({ nightly: "stages:\n  - id: one\n    run: 'true'\n" });
    await cp(path.resolve(import.meta.dirname, '../../pipelines/hello.yaml'), path.join(ws, 'pipelines', 'hello.yaml'));
    const byName = await cli(['validate', 'nightly', '--workspace', ws]);
    expect(byName.exitCode).toBe(0);
    expect(byName.stdout).toBe(`${path.join(ws, 'pipelines', 'nightly.yaml')}: valid pipeline "nightly", 1 stage: one`);
    const inCwd = await cli(['validate', 'hello', '--json'], { cwd: ws });
    expect(JSON.parse(inCwd.stdout)).toMatchObject({ valid: true, name: 'hello', stages: ['greet', 'count'] });
    const missing = await cli(['validate', 'nope', '--workspace', ws]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^pipe-tui: ERR_PIPELINE_NOT_FOUND: no pipeline "nope" in .* \(there: hello, nightly\)/);
  });

  it('says "did you mean" for a misspelt key, at the level where it stands', async () => {
    const ws = await tempWorkspace({ typos: TYPOS });
    const result = await cli(['validate', 'typos', '--workspace', ws]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('stages.0.retires: unknown key (did you mean retries?)');
    expect(result.stderr).toContain('stages.1.command: unknown key (did you mean run?)');
    expect(result.stderr).toContain('notify.comand: unknown key (did you mean command?)');
    expect(result.stderr).toContain('stages.1.run: required');
  });
});
