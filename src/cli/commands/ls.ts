import { formatDuration } from '../../shared/duration.js';
import { statusSymbol, unreadableStatus } from '../../shared/status-symbols.js';
import { isHalfMade, listRunIds, readSummariesSync, type SummaryRead } from '../../workspace/run-reader.js';
import { printJson } from '../cli-output.js';
import { readOpenCircuits } from '../../workspace/circuits-file.js';
import { daemonPaths } from '../../workspace/layout.js';
import { summarize } from '../run-summary.js';
import { table } from '../table.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

// Runs, newest first. A corrupt run is listed as such, never hidden and never fatal.
export async function lsCommand(options: CommonOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const ids = await listRunIds(workspace);
  // A folder without metadata.json is a run being created this instant, not a run yet, unless it was left half-made.
  const reads = readSummariesSync(workspace, ids).filter((r) => r.ok || r.error.code !== 'ERR_RUN_NOT_FOUND' || isHalfMade(workspace, r.runId));
  if (options.json) {
    printJson(reads.map(summarize));
    return 0;
  }
  if (reads.length === 0) {
    process.stdout.write(`no runs in ${workspace}/runs yet; start one with: pipe-tui run <pipeline> --foreground\n`);
    return 0;
  }
  const now = Date.now();
  const header = [' ', 'RUN', 'PIPELINE', 'STATUS', 'STAGES', 'AGE', 'TOOK'];
  process.stdout.write(`${table([header, ...reads.map((read) => row(read, now))])}\n`);
  for (const c of readOpenCircuits(daemonPaths(workspace).circuits)) {
    process.stdout.write(`circuit ${c.key} is open until ${c.open_until} (${c.failures} failures in a row): its stages fail fast with ERR_CIRCUIT_OPEN\n`);
  }
  return 0;
}

function row(read: SummaryRead, now: number): string[] {
  if (!read.ok) return ['!', read.runId, '?', unreadableStatus(read.error), '', '', read.error.code];
  const run = read.run;
  const end = run.ended_at ? Date.parse(run.ended_at) : now;
  const took = run.started_at ? formatDuration(end - Date.parse(run.started_at)) : '';
  return [statusSymbol(run.status), run.run_id, run.pipeline, run.status, run.current_state.progress, `${formatDuration(now - Date.parse(run.created_at))} ago`, took];
}
