import { formatBytes } from '../../shared/bytes.js';
import { formatDuration } from '../../shared/duration.js';
import { PipeError } from '../../shared/errors.js';
import { History } from '../../daemon/engine/history-writer.js';
import { HistoryIndex } from '../../workspace/history-index.js';
import { type PipelineStats, type StageStats, pipelineStats } from '../../shared/stage-stats.js';
import { printJson } from '../cli-output.js';
import { table } from '../table.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

export interface StatsOptions extends CommonOptions {
  rebuild?: boolean;
}

// Per stage of each pipeline (or one): runs, median and p90 duration, failed runs and failed attempts, the usual errors.
export async function statsCommand(pipeline: string | undefined, options: StatsOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  // Read-only unless asked: stats never writes the index as a side effect of looking.
  const history = options.rebuild ? await History.rebuilt(workspace) : await HistoryIndex.open(workspace);
  const names = pipeline ? [pipeline] : history.pipelines();
  if (pipeline && !history.pipelines().includes(pipeline)) {
    throw new PipeError('ERR_PIPELINE_NOT_FOUND', `no finished stage of pipeline ${JSON.stringify(pipeline)} in the history of ${workspace}`);
  }
  const stats = names.map((name) => pipelineStats(name, history.stages(name), (stage) => history.records(name, stage)));
  if (options.json) {
    printJson(stats);
    return 0;
  }
  if (stats.length === 0) {
    process.stdout.write(`no finished runs in ${workspace} yet\n`);
    return 0;
  }
  process.stdout.write(`${stats.map(render).join('\n\n')}\n`);
  return 0;
}

function render(p: PipelineStats): string {
  // Runs and attempts apart: a stage that always succeeds on its third try fails no run but two attempts in three.
  const header = ['STAGE', 'RUNS', 'MEDIAN', 'P90', 'PEAK MEM (MEDIAN/P90)', 'RUNS FAILED', 'ATTEMPTS FAILED', 'ERRORS'];
  return `${p.pipeline} · ${p.runs} run${p.runs === 1 ? '' : 's'}\n${table([header, ...p.stages.map(row)])}`;
}

function row(s: StageStats): string[] {
  const duration = (ms: number | null): string => (ms === null ? '-' : formatDuration(ms));
  const errors = s.errors.map((e) => `${e.code} ×${e.count}`).join(', ');
  const percent = (rate: number): string => `${Math.round(rate * 100)}%`;
  const attempts = `${percent(s.attempt_failure_rate)} (${s.attempts_failed}/${s.attempts})`;
  const memory = s.median_peak_rss_bytes === null ? '-' : `${formatBytes(s.median_peak_rss_bytes)} / ${formatBytes(s.p90_peak_rss_bytes ?? s.median_peak_rss_bytes)}`;
  return [s.stage, String(s.runs), duration(s.median_ms), duration(s.p90_ms), memory, percent(s.failure_rate), attempts, errors];
}
