import { execFileSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/workspace/pipeline-files.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const PIPELINE = "stages:\n  - id: a\n    run: 'true'\n";

// A pipeline file is small text. Anything else is refused from the opened file's own type and size, before a byte
// is read: a FIFO would block the read for good, /dev/zero would never end.
describe('loadPipeline refuses what is not a small regular file', () => {
  it('refuses a FIFO at once, without waiting for a writer', async () => {
    const ws = await tempWorkspace();
    const fifo = path.join(ws, 'pipelines', 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    await expect(loadPipeline(ws, fifo)).rejects.toMatchObject({ code: 'ERR_PIPELINE_INVALID', message: expect.stringContaining('not a regular file') });
    // By name too: pipelines/fifo.yaml is listed like any other file.
    await expect(loadPipeline(ws, 'fifo')).rejects.toMatchObject({ code: 'ERR_PIPELINE_INVALID' });
  });

  it('refuses /dev/zero without reading it', async () => {
    const ws = await tempWorkspace();
    await expect(loadPipeline(ws, '/dev/zero')).rejects.toMatchObject({ code: 'ERR_PIPELINE_INVALID', message: expect.stringContaining('not a regular file') });
  });

  it('refuses a file over 1 MiB', async () => {
    const ws = await tempWorkspace();
    const file = path.join(ws, 'big.yaml');
    await writeFile(file, `${PIPELINE}${`# ${'x'.repeat(98)}\n`.repeat(20_000)}`);
    await expect(loadPipeline(ws, file)).rejects.toMatchObject({ code: 'ERR_PIPELINE_INVALID', message: expect.stringMatching(/is 1\.9 MiB, more than the 1 MiB/) });
  });

  it('still reads a pipeline file through a symlink, and names a missing one ERR_PIPELINE_NOT_FOUND', async () => {
    const ws = await tempWorkspace();
    const real = path.join(ws, 'real.yaml');
    await writeFile(real, PIPELINE);
    await symlink(real, path.join(ws, 'pipelines', 'linked.yaml'));
    expect((await loadPipeline(ws, 'linked')).spec.stages[0]?.id).toBe('a');
    await expect(loadPipeline(ws, path.join(ws, 'gone.yaml'))).rejects.toMatchObject({ code: 'ERR_PIPELINE_NOT_FOUND' });
  });
});
