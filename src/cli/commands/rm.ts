import { formatBytes } from '../../shared/bytes.js';
import { type Removable, checkRemovable, removeRun } from '../../workspace/run-removal.js';
import { printJson } from '../cli-output.js';
import { table } from '../table.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

// `pipe-tui rm RUN…`: deletes ended runs' folders and says what went. Every run is checked before any is removed,
// so one refused run (live, not a run folder) removes nothing; the ids arrive resolved (run-refs.ts).
export async function rmCommand(runIds: string[], options: CommonOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const targets: Removable[] = [];
  for (const runId of new Set(runIds)) targets.push(await checkRemovable(workspace, runId));
  const removed: Removable[] = [];
  try {
    for (const target of targets) {
      await removeRun(workspace, target.run_id);
      removed.push(target);
    }
  } finally {
    // What did go is said even when a later one was refused (it came alive as it was being removed).
    report(removed, options);
  }
  return 0;
}

export function report(removed: Removable[], options: CommonOptions): void {
  if (options.json) {
    printJson({ removed });
    return;
  }
  if (removed.length === 0) return;
  const rows = removed.map((r) => ['removed', r.run_id, r.pipeline ?? '?', r.status, formatBytes(r.bytes)]);
  process.stdout.write(`${table(rows)}\n`);
}
