import { existsSync } from 'node:fs';
import { rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFile } from '../../src/daemon/engine/log-file.js';
import { createRun } from '../../src/daemon/engine/create-run.js';
import { loadPipeline } from '../../src/workspace/pipeline-files.js';
import { runPipeline } from '../../src/daemon/engine/pipeline-runner.js';
import { RunRecorder } from '../../src/daemon/engine/run-recorder.js';
import { PipeError } from '../../src/shared/errors.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// /dev/full answers every write with ENOSPC: a full disk without filling one.
const describeFull = existsSync('/dev/full') ? describe : describe.skip;

describeFull('a full disk', () => {
  it('is kept by the log file as ERR_IO instead of thrown from a stream handler', () => {
    const log = new LogFile('/dev/full');
    expect(() => log.write('a line\n')).not.toThrow();
    expect(log.failure?.code).toBe('ERR_IO');
    expect(log.failure?.message).toContain('ENOSPC');
    log.close();
  });

  it('fails the run with ERR_IO and never crashes the runner when events cannot be written', async () => {
    const ws = await tempWorkspace({ chatty: "stages:\n  - id: s\n    run: 'for i in 1 2 3; do echo ::pipe:progress $i/3; done'\n" });
    const pipeline = await loadPipeline(ws, 'chatty');
    const created = await createRun(ws, pipeline, {});
    await created.close();
    // From here on every event append hits ENOSPC.
    const events = path.join(created.dir, 'events.ndjson');
    await rm(events);
    await symlink('/dev/full', events);
    const recorder = new RunRecorder(created.dir, created.state);
    const error = await runPipeline({ pipeline: pipeline.spec, recorder, workspace: ws }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipeError);
    expect((error as PipeError).code).toBe('ERR_IO');
    expect((error as PipeError).message).toContain('ENOSPC');
  });
});
