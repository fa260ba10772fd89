import { etaText, runRemainingMs, stageRemainingMs } from '../../shared/eta.js';
import { formatDuration } from '../../shared/duration.js';
import { malformedText, poolWaitText, stallText, statusSymbol } from '../../shared/status-symbols.js';
import { itemsText, progressCount, rateText, resourcesText } from '../../shared/progress-text.js';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { waitingText } from '../../shared/stage-graph.js';
import { runDir } from '../../workspace/layout.js';
import { readRunFile } from '../../workspace/run-reader.js';
import { runTimes } from '../../workspace/run-times.js';
import { failedItemLines } from '../failed-items.js';
import { tookText } from '../run-took.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

// One run; `--json` prints its metadata.json exactly as the schema reads it.
export async function statusCommand(runId: string, options: CommonOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const { text, read } = await readRunFile(workspace, runId);
  if (!read.ok) throw read.error;
  const run = read.run;
  if (options.json) {
    // The file itself, checked but not rewritten: what a script reads is exactly what is on disk.
    process.stdout.write(text ?? '');
    return 0;
  }
  const now = Date.now();
  const eta = run.status === 'running' ? [etaText(runRemainingMs(run, now))] : [];
  const lines = [headLine(run, now), ...eta, `params: ${JSON.stringify(run.params)}`];
  for (const s of run.stages) {
    const attempts = s.attempts > 1 ? ` attempts ${s.attempts}/${s.max_attempts}` : '';
    const took = s.duration_ms !== null ? ` ${formatDuration(s.duration_ms)}` : '';
    const active = s.status === 'running' || s.status === 'retrying';
    // A fan-out's progress is its items done: the items' own counts say that and more.
    const count = s.items ? itemsText(s.items, active) : s.progress ? progressCount(s.progress) : null;
    const progress = count ? ` ${[count, s.progress && rateText(s.progress.rate_per_s, s.progress.unit)].filter(Boolean).join(' ')}` : '';
    const error = s.error ? `  ${s.error.code}: ${s.error.message}` : '';
    const eta = active ? ` ${etaText(stageRemainingMs(s, now))}` : s.status === 'pending' && s.expected_ms !== null ? ` usually ${formatDuration(s.expected_ms)}` : '';
    const job = s.job ? ` [slurm job ${s.job.id} ${s.job.state}${s.job.reason ? ` (${s.job.reason})` : ''}]` : '';
    const warned = s.malformed_lines > 0 ? `  (${malformedText(s.malformed_lines)}: see its log)` : '';
    const stalled = stallText(s, now);
    const used = resourcesText(s.resources, s.status === 'running', s.job);
    const waiting = waitingText(run.stages, s.index) ?? poolWaitText(s);
    lines.push(`  ${statusSymbol(s.status)} ${s.id.padEnd(14)} ${s.status}${job}${progress}${attempts}${took}${eta}${waiting ? `  ${waiting}` : ''}${used ? `  ${used}` : ''}${stalled ? `  ${stalled}` : ''}${error}${warned}`);
    lines.push(...(await failedItemLines(runDir(workspace, runId), s)));
  }
  for (const e of run.entities) lines.push(`  entity ${e.filename}${e.stage ? ` (${e.stage})` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

// `run <id> failed in 27s · cost $0.05 · ERR_…: …`. The time is its running time, with the clock time beside it
// where the run sat idle (before a resume, for an approval); a run still going says how long so far.
function headLine(run: RunMetadata, now: number): string {
  const took = tookText(runTimes(run, now));
  const time = !took ? '' : run.ended_at ? ` in ${took}` : run.status === 'queued' ? '' : ` for ${took} so far`;
  const cost = run.total_cost_usd > 0 ? ` · cost $${run.total_cost_usd.toFixed(2)}` : '';
  const error = run.error ? ` · ${run.error.code}: ${run.error.message}` : '';
  return `run ${run.run_id} ${run.status}${time}${cost}${error}`;
}
