import { statSync } from 'node:fs';
import { formatBytes } from '../../shared/bytes.js';
import { formatDuration } from '../../shared/duration.js';
import { PipeError } from '../../shared/errors.js';
import { TERMINAL_RUN_STATUSES } from '../../shared/metadata-schema.js';
import { unreadableStatus } from '../../shared/status-symbols.js';
import { type Removable, checkRemovable, removeRun } from '../../workspace/run-removal.js';
import { runDir } from '../../workspace/layout.js';
import { listAllRuns } from '../../workspace/run-listing.js';
import { printJson } from '../cli-output.js';
import { table } from '../table.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

export interface PruneOptions extends CommonOptions {
  olderThan?: string;
  keep?: string;
  status?: string;
  pipeline?: string;
  yes?: boolean;
}

/** Statuses prune takes: ended ones, and folders that cannot be read as a run (named only on purpose). */
const PRUNABLE: readonly string[] = [...TERMINAL_RUN_STATUSES, 'corrupt', 'incomplete'];
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

// `pipe-tui prune`: old ended runs, listed (a dry run) unless --yes. Never a live run (checked again as each is
// removed); with --keep, never the newest N of each pipeline among those the filters pick.
export async function pruneCommand(options: PruneOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const olderThan = options.olderThan === undefined ? null : age(options.olderThan);
  const keep = options.keep === undefined ? null : count(options.keep);
  if (olderThan === null && keep === null) throw new PipeError('ERR_USAGE', 'say which runs go: --older-than AGE (30d), --keep N (the newest N of each pipeline stay), or both');
  if (options.status !== undefined && !PRUNABLE.includes(options.status)) {
    throw new PipeError('ERR_USAGE', `--status takes one of ${PRUNABLE.join(', ')} (a live run is never pruned); not ${JSON.stringify(options.status.slice(0, 40))}`);
  }
  const now = Date.now();
  const kept = new Map<string, number>();
  const picked: string[] = [];
  // Newest first, so that --keep keeps the newest of each pipeline.
  for (const read of await listAllRuns(workspace)) {
    const status = read.ok ? read.run.status : unreadableStatus(read.error);
    // An unreadable folder goes only when asked for by its status: it may be a run another version can read.
    if (!(options.status === undefined ? read.ok && TERMINAL_RUN_STATUSES.includes(read.run.status) : status === options.status)) continue;
    const pipeline = read.ok ? read.run.pipeline : '';
    if (options.pipeline !== undefined && pipeline !== options.pipeline) continue;
    if (keep !== null && (kept.get(pipeline) ?? 0) < keep) {
      kept.set(pipeline, (kept.get(pipeline) ?? 0) + 1);
      continue;
    }
    // Too young, told from the summary already: no need to weigh its folder.
    if (olderThan !== null && read.ok && now - Date.parse(read.run.ended_at ?? read.run.created_at) < olderThan) continue;
    picked.push(read.ok ? read.run.run_id : read.runId);
  }
  const runs: Removable[] = [];
  for (const runId of picked) {
    // Checked as rm checks: one that came alive since it was read, or a folder that is not a run's, is left out.
    const run = await checkRemovable(workspace, runId).catch(() => null);
    if (run && (olderThan === null || now - endedAt(workspace, run) >= olderThan)) runs.push(run);
  }
  return options.yes ? remove(workspace, runs, options) : list(runs, options, now);
}

function list(runs: Removable[], options: PruneOptions, now: number): number {
  const bytes = runs.reduce((sum, r) => sum + r.bytes, 0);
  if (options.json) {
    printJson({ dry_run: true, runs, bytes });
    return 0;
  }
  if (runs.length === 0) {
    process.stdout.write('no run to prune\n');
    return 0;
  }
  const ended = (r: Removable): string => (r.ended_at ? `${formatDuration(Math.max(0, now - Date.parse(r.ended_at)))} ago` : '');
  const rows = runs.map((r) => [r.run_id, r.pipeline ?? '?', r.status, ended(r), formatBytes(r.bytes)]);
  process.stdout.write(`${table([['RUN', 'PIPELINE', 'STATUS', 'ENDED', 'SIZE'], ...rows])}\n`);
  process.stdout.write(`${runs.length} run${runs.length === 1 ? '' : 's'} (${formatBytes(bytes)}) would be removed; add --yes to remove them\n`);
  return 0;
}

async function remove(workspace: string, runs: Removable[], options: PruneOptions): Promise<number> {
  const removed: Removable[] = [];
  const skipped: { run_id: string; error: { code: string; message: string } }[] = [];
  for (const run of runs) {
    // One that came alive since it was listed stays, and the others still go.
    await removeRun(workspace, run.run_id).then(
      () => removed.push(run),
      (error: PipeError) => skipped.push({ run_id: run.run_id, error: { code: error.code, message: error.message } }),
    );
  }
  const bytes = removed.reduce((sum, r) => sum + r.bytes, 0);
  if (options.json) printJson({ dry_run: false, removed, bytes, skipped });
  else {
    for (const s of skipped) process.stderr.write(`pipe-tui: ${s.error.code}: ${s.error.message}\n`);
    process.stdout.write(`removed ${removed.length} run${removed.length === 1 ? '' : 's'} (${formatBytes(bytes)})\n`);
  }
  return skipped.length ? 1 : 0;
}

// When the run ended; a folder that cannot be read as a run was last changed when its folder was.
function endedAt(workspace: string, run: Removable): number {
  const at = run.ended_at ?? run.created_at;
  if (at !== null && Number.isFinite(Date.parse(at))) return Date.parse(at);
  return statSync(runDir(workspace, run.run_id)).mtimeMs;
}

function age(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new PipeError('ERR_USAGE', `--older-than takes an age such as 30d, 12h, 90m or 2w; not ${JSON.stringify(text.slice(0, 40))}`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

function count(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new PipeError('ERR_USAGE', `--keep takes a whole number ≥ 0, got ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}
