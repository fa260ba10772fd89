import { Text } from 'ink';
import { formatDuration } from '../../shared/duration.js';
import { etaText, stageRemainingMs } from '../../shared/eta.js';
import type { Job, StageState } from '../../shared/metadata-schema.js';
import { malformedText, poolWaitText, progressBar, stallText, statusSymbol, statusTone } from '../../shared/status-symbols.js';
import { itemsText, progressText, resourcesText } from '../../shared/progress-text.js';
import { toneColor, useDisplay } from '../display.js';

export interface StageRowProps {
  stage: StageState;
  /** Marked as the stage whose log is shown. */
  selected: boolean;
  width: number;
  now: number;
  /** In a graph, what the pending stage still waits for (`← b, c`). */
  waiting?: string | null;
}

// One stage: symbol, id, attempts, a substage bar with current/total and the stage's message, time, ETA.
export const jobText = (job: Job, active: boolean): string =>
  active ? `slurm ${job.id} ${job.state}${job.reason ? ` (${job.reason})` : ''}` : `slurm ${job.id}`;

export function StageRow({ stage, selected, width, now, waiting = null }: StageRowProps) {
  const display = useDisplay();
  const row = (bar: number): string => stageParts(stage, selected, now, waiting, display.ascii, bar).join('  ');
  // A fan-out's counts grow long (`items 7340/10000 ✔ 7300 ✖ 40 ▶ 8`): its bar narrows, then goes, before a figure
  // after it (time, ETA) is cut.
  const text = stage.items ? ([BAR, BAR / 2].map(row).find((line) => line.length <= width) ?? row(0)) : row(BAR);
  return (
    <Text color={toneColor(display, statusTone(stage.status))} wrap="truncate">
      {text.slice(0, width)}
    </Text>
  );
}

const BAR = 12;

function stageParts(stage: StageState, selected: boolean, now: number, waiting: string | null, ascii: boolean, bar: number): string[] {
  const parts = [`${selected ? (ascii ? '>' : '›') : ' '} ${statusSymbol(stage.status, ascii)} ${stage.id.padEnd(14)}`];
  if (stage.status === 'retrying' && stage.next_attempt_at) {
    parts.push(`attempt ${stage.attempts + 1} of ${stage.max_attempts}, next in ${formatDuration(Math.max(0, Date.parse(stage.next_attempt_at) - now))}`);
  } else if (stage.attempts > 1) {
    parts.push(`attempt ${stage.attempts} of ${stage.max_attempts}`);
  }
  // A cluster job: its id and what Slurm says of it (a PENDING job says why it waits).
  if (stage.job) parts.push(jobText(stage.job, stage.status === 'running'));
  if (stage.items) {
    // A fan-out's bar is its items done (the reducer keeps its progress so); its count says how they went.
    const done = stage.items.succeeded + stage.items.failed.length;
    const counts = itemsText(stage.items, stage.status === 'running', ascii);
    parts.push(stage.status === 'running' && bar > 0 ? `${progressBar(done, stage.items.total, bar, ascii)} ${counts}` : counts);
  } else if (stage.status === 'running' && stage.progress) {
    parts.push(progressText(stage.progress, bar, ascii));
  }
  const used = stage.status === 'running' ? resourcesText(stage.resources, true, stage.job) : null;
  if (used) parts.push(used);
  if (stage.status === 'running' && stage.started_at) parts.push(formatDuration(now - Date.parse(stage.started_at)));
  else if (stage.duration_ms !== null) parts.push(formatDuration(stage.duration_ms));
  if (stage.status === 'running' || stage.status === 'retrying') parts.push(etaText(stageRemainingMs(stage, now)));
  // Before the message: a stage gone quiet is what the row must say first.
  const stalled = stallText(stage, now, ascii);
  if (stalled) parts.push(stalled);
  if (waiting) parts.push(waiting);
  // Before it runs (a plain stage) or while its items do (a fan-out): waiting for a slot of its pool.
  const pool = poolWaitText(stage);
  if (pool) parts.push(pool);
  // What history expects of a stage still to come.
  if (stage.status === 'pending' && stage.expected_ms !== null) parts.push(`usually ${formatDuration(stage.expected_ms)}`);
  if (stage.status === 'awaiting_approval') parts.push('waits for approval: press a');
  if (stage.malformed_lines > 0) parts.push(`${ascii ? '!' : '⚠'} ${malformedText(stage.malformed_lines)}`);
  if (stage.status === 'running' && stage.progress?.message) parts.push(stage.progress.message);
  if (stage.error && stage.status !== 'running') parts.push(stage.error.code);
  return parts;
}
