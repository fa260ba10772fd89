import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../../shared/errors.js';
import { LOGS_DIR, PRIVATE_DIR_MODE, runDir, runsDir } from '../../workspace/layout.js';
import { newRunId } from './run-id.js';

// A new run's folder. mkdir without `recursive` fails if the folder exists, which makes the id ours even against
// other processes. Every folder is made 0700: the mode given to mkdir, which a umask can only narrow.
export async function createRunFolder(workspace: string): Promise<{ runId: string; dir: string }> {
  await mkdir(runsDir(workspace), { recursive: true, mode: PRIVATE_DIR_MODE });
  for (let tries = 0; tries < 20; tries++) {
    const runId = newRunId();
    const dir = runDir(workspace, runId);
    try {
      await mkdir(dir, { mode: PRIVATE_DIR_MODE });
      await mkdir(path.join(dir, LOGS_DIR), { mode: PRIVATE_DIR_MODE });
      return { runId, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new PipeError('ERR_IO', 'could not create a unique run folder');
}
