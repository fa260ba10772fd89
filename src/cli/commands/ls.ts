import { formatDuration } from '../../shared/duration.js';
import { PipeError } from '../../shared/errors.js';
import { RUN_STATUSES } from '../../shared/metadata-schema.js';
import { statusSymbol, unreadableStatus } from '../../shared/status-symbols.js';
import { isHalfMade, listRunIds, readSummariesWithSync, type SummaryRead } from '../../workspace/run-reader.js';
import { type RunTimes, runTimes } from '../../workspace/run-times.js';
import { printJson } from '../cli-output.js';
import { readOpenCircuits } from '../../workspace/circuits-file.js';
import { daemonPaths } from '../../workspace/layout.js';
import { summarize } from '../run-summary.js';
import { tookText } from '../run-took.js';
import { table } from '../table.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

export interface LsOptions extends CommonOptions {
  status?: string;
  pipeline?: string;
  limit?: string;
}

/** What --status takes: a run's status, or how an unreadable run is listed. */
const STATUSES: readonly string[] = [...RUN_STATUSES, 'corrupt', 'newer', 'incomplete'];

type Listed = { read: SummaryRead; times: RunTimes | null };

// Runs, newest first. A corrupt run is listed as such, never hidden and never fatal.
export async function lsCommand(options: LsOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const limit = limitOf(options.limit);
  if (options.status !== undefined && !STATUSES.includes(options.status)) {
    throw new PipeError('ERR_USAGE', `--status takes one of ${STATUSES.join(', ')}; not ${JSON.stringify(options.status.slice(0, 40))}`);
  }
  const filtered = options.status !== undefined || options.pipeline !== undefined;
  const now = Date.now();
  let ids = await listRunIds(workspace);
  // Without a filter the newest `limit` are the answer: only they are read.
  if (!filtered && limit !== null) ids = ids.slice(0, limit);
  // A folder without metadata.json is a run being created this instant, not a run yet, unless it was left half-made.
  let runs: Listed[] = readSummariesWithSync(workspace, ids, (json) => runTimes(json, now))
    .map(({ read, extra }) => ({ read, times: extra }))
    .filter(({ read }) => read.ok || read.error.code !== 'ERR_RUN_NOT_FOUND' || isHalfMade(workspace, read.runId));
  if (filtered) runs = runs.filter(({ read }) => matches(read, options));
  if (limit !== null) runs = runs.slice(0, limit);
  if (options.json) {
    printJson(runs.map(({ read, times }) => (read.ok ? { ...summarize(read), active_ms: times?.active_ms ?? null } : summarize(read))));
    return 0;
  }
  if (runs.length === 0) {
    process.stdout.write(filtered ? `no runs in ${workspace}/runs match ${describeFilter(options)}\n` : `no runs in ${workspace}/runs yet; start one with: pipe-tui run <pipeline> --foreground\n`);
    return 0;
  }
  const header = [' ', 'RUN', 'PIPELINE', 'STATUS', 'STAGES', 'AGE', 'TOOK'];
  process.stdout.write(`${table([header, ...runs.map((listed) => row(listed, now))])}\n`);
  for (const c of readOpenCircuits(daemonPaths(workspace).circuits)) {
    process.stdout.write(`circuit ${c.key} is open until ${c.open_until} (${c.failures} failures in a row): its stages fail fast with ERR_CIRCUIT_OPEN\n`);
  }
  return 0;
}

function limitOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new PipeError('ERR_USAGE', `--limit takes a whole number ≥ 1, got ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

function matches(read: SummaryRead, options: LsOptions): boolean {
  const status = read.ok ? read.run.status : unreadableStatus(read.error);
  if (options.status !== undefined && status !== options.status) return false;
  // An unreadable run has no pipeline to match.
  return options.pipeline === undefined || (read.ok && read.run.pipeline === options.pipeline);
}

const describeFilter = (options: LsOptions): string =>
  [options.status !== undefined ? `--status ${options.status}` : '', options.pipeline !== undefined ? `--pipeline ${options.pipeline}` : ''].filter(Boolean).join(' ');

function row({ read, times }: Listed, now: number): string[] {
  if (!read.ok) return ['!', read.runId, '?', unreadableStatus(read.error), '', '', read.error.code];
  const run = read.run;
  const age = `${formatDuration(Math.max(0, now - Date.parse(run.created_at)))} ago`;
  return [statusSymbol(run.status), run.run_id, run.pipeline, run.status, run.current_state.progress, age, times ? tookText(times) : ''];
}
