import { readFile } from 'node:fs/promises';
import { entityPath, findEntity } from '../../workspace/entity-files.js';
import { requireRun } from '../../workspace/run-reader.js';
import { printJson } from '../cli-output.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

// Prints one entity's content exactly as stored (a script's way to fetch what a run produced); --json its record.
export async function entityCommand(runId: string, ref: string, options: CommonOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const run = await requireRun(workspace, runId);
  const entity = findEntity(run, ref);
  if (options.json) {
    printJson({ ...entity, path: entityPath(workspace, run, entity) });
    return 0;
  }
  process.stdout.write(await readFile(entityPath(workspace, run, entity)));
  return 0;
}
