import { formatDuration } from '../../shared/duration.js';
import { PipeError } from '../../shared/errors.js';
import { RUN_STATUSES } from '../../shared/metadata-schema.js';
import { statusSymbol, unreadableStatus } from '../../shared/status-symbols.js';
import type { IndexEntry } from '../../shared/run-index-entry.js';
import { parseDuration } from '../../shared/duration.js';
import { type ListedRun, listAllRuns, listNewestRuns } from '../../workspace/run-listing.js';
import type { RunTimes } from '../../workspace/run-times.js';
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
  since?: string;
}

/** What --status takes: a run's status, or how an unreadable run is listed. */
const STATUSES: readonly string[] = [...RUN_STATUSES, 'corrupt', 'newer', 'incomplete'];

// Runs, newest first, from the runs index (src/workspace/run-listing.ts): `--limit 50` of 100 000 runs reads the
// index's last lines and one directory. A corrupt run is listed as such, never hidden and never fatal.
export async function lsCommand(options: LsOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  // On a terminal, a screenful unless asked for more: 100 000 runs scrolling past help nobody.
  const screenful = options.limit === undefined && !options.json && process.stdout.isTTY ? Math.max(5, (process.stdout.rows || 24) - 3) : null;
  const limit = screenful ?? limitOf(options.limit);
  if (options.status !== undefined && !STATUSES.includes(options.status)) {
    throw new PipeError('ERR_USAGE', `--status takes one of ${STATUSES.join(', ')}; not ${JSON.stringify(options.status.slice(0, 40))}`);
  }
  const since = sinceOf(options.since);
  const filtered = options.status !== undefined || options.pipeline !== undefined || since !== null;
  const now = Date.now();
  // Without a filter the newest `limit` are the answer: only their lines are read.
  let runs = !filtered && limit !== null ? await listNewestRuns(workspace, limit + 1) : await listAllRuns(workspace);
  if (filtered) runs = runs.filter((listed) => matches(listed, options, since));
  const more = limit !== null && runs.length > limit;
  if (limit !== null) runs = runs.slice(0, limit);
  if (options.json) {
    printJson(runs.map((listed) => (listed.ok ? { ...summarize(listed), active_ms: timesOf(listed.run, now).active_ms } : summarize(listed))));
    return 0;
  }
  if (runs.length === 0) {
    process.stdout.write(filtered ? `no runs in ${workspace}/runs match ${describeFilter(options)}\n` : `no runs in ${workspace}/runs yet; start one with: pipe-tui run <pipeline> --foreground\n`);
    return 0;
  }
  const header = [' ', 'RUN', 'PIPELINE', 'STATUS', 'STAGES', 'AGE', 'TOOK'];
  process.stdout.write(`${table([header, ...runs.map((listed) => row(listed, now))])}\n`);
  if (more && screenful !== null) process.stdout.write(`newest ${limit} shown; more with --limit N, or all with ls | cat\n`);
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

// `--since 2d` or an ISO date: runs created since then.
function sinceOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const at = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : Date.now() - parseDurationOr(text);
  if (!Number.isFinite(at)) throw new PipeError('ERR_USAGE', `--since takes a duration (2h, 7d) or a date (2026-11-30); not ${JSON.stringify(text.slice(0, 40))}`);
  return at;
}

function parseDurationOr(text: string): number {
  try {
    return parseDuration(text) ?? Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function matches(listed: ListedRun, options: LsOptions, since: number | null): boolean {
  const status = listed.ok ? listed.run.status : unreadableStatus(listed.error);
  if (options.status !== undefined && status !== options.status) return false;
  // An unreadable run has no pipeline or time to match.
  if (since !== null && (!listed.ok || Date.parse(listed.run.created_at) < since)) return false;
  return options.pipeline === undefined || (listed.ok && listed.run.pipeline === options.pipeline);
}

/** Its clock time and running time (see run-times.ts), from its listing. */
function timesOf(run: IndexEntry, now: number): RunTimes {
  if (run.started_at === null) return { wall_ms: null, active_ms: null };
  const wall = Math.max(0, (run.ended_at ? Date.parse(run.ended_at) : now) - Date.parse(run.started_at));
  return { wall_ms: wall, active_ms: Math.min(run.active_ms ?? 0, wall) };
}

const describeFilter = (options: LsOptions): string =>
  [
    options.status !== undefined ? `--status ${options.status}` : '',
    options.pipeline !== undefined ? `--pipeline ${options.pipeline}` : '',
    options.since !== undefined ? `--since ${options.since}` : '',
  ]
    .filter(Boolean)
    .join(' ');

function row(listed: ListedRun, now: number): string[] {
  if (!listed.ok) return ['!', listed.runId, '?', unreadableStatus(listed.error), '', '', listed.error.code];
  const run = listed.run;
  const age = `${formatDuration(Math.max(0, now - Date.parse(run.created_at)))} ago`;
  return [statusSymbol(run.status), run.run_id, run.pipeline, run.status, run.current_state.progress, age, tookText(timesOf(run, now))];
}
