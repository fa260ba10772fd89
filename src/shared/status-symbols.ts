import { formatDuration } from './duration.js';
import type { RunStatus, StageState, StageStatus } from './metadata-schema.js';

type AnyStatus = RunStatus | StageStatus;

// One symbol per status, with an ASCII twin for terminals that cannot draw the others (`--ascii`).
const SYMBOLS: Record<AnyStatus, [unicode: string, ascii: string]> = {
  queued: ['◌', '.'],
  pending: ['·', '.'],
  running: ['▶', '>'],
  retrying: ['↻', '~'],
  awaiting_approval: ['⏸', '?'],
  succeeded: ['✔', '+'],
  failed: ['✘', 'x'],
  skipped: ['⤼', '-'],
  cancelled: ['⊘', '/'],
  interrupted: ['⚡', '!'],
};

export const statusSymbol = (status: AnyStatus, ascii = false): string => SYMBOLS[status][ascii ? 1 : 0];

export type Tone = 'good' | 'bad' | 'busy' | 'wait' | 'dim';

export function statusTone(status: AnyStatus): Tone {
  if (status === 'succeeded') return 'good';
  if (status === 'failed' || status === 'interrupted') return 'bad';
  if (status === 'running' || status === 'retrying') return 'busy';
  if (status === 'awaiting_approval' || status === 'cancelled') return 'wait';
  return 'dim';
}

// `[######----]` style bar of `width` cells.
export function progressBar(current: number, total: number, width: number, ascii = false): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, current / total)) : 0;
  const filled = Math.round(ratio * width);
  return ascii ? `${'#'.repeat(filled)}${'-'.repeat(width - filled)}` : `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** A stage's malformed ::pipe: lines, said where its row is (the lines themselves are in its log). */
export const malformedText = (count: number): string => `${count} malformed ::pipe: line${count === 1 ? '' : 's'}`;

/**
 * A running stage gone silent past its `stall_after`: `⚠ silent for 12m`, counted from its last output or progress
 * up to `now`, so it grows while nothing comes; null for a stage that is not stalled.
 */
export function stallText(stage: Pick<StageState, 'status' | 'silent_since'>, now: number, ascii = false): string | null {
  if (stage.status !== 'running' || !stage.silent_since) return null;
  return `${ascii ? '!' : '⚠'} silent for ${formatDuration(now - Date.parse(stage.silent_since))}`;
}

/** How a listing names a run it cannot read: written by a newer version, left half-made, or corrupt. */
export function unreadableStatus(error: { code: string }): 'newer' | 'incomplete' | 'corrupt' {
  if (error.code === 'ERR_METADATA_VERSION') return 'newer';
  return error.code === 'ERR_RUN_NOT_FOUND' ? 'incomplete' : 'corrupt';
}

/** A stage (or its items) waiting for a slot of its pool: `waiting for gpu (2 of 2 busy)`; null when it is not. */
export const poolWaitText = (stage: Pick<StageState, 'waiting_for'>): string | null =>
  stage.waiting_for ? `waiting for ${stage.waiting_for.pool} (${stage.waiting_for.size} of ${stage.waiting_for.size} busy)` : null;
