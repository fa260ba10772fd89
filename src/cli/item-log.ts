import { PipeError } from '../shared/errors.js';
import type { StageState } from '../shared/metadata-schema.js';
import { itemLogName } from '../shared/names.js';
import { stageLogPath } from '../workspace/layout.js';

// `logs RUN STAGE --item N`: one item of a fan-out stage, its log beside the stage's (`logs/03_tts/item-00007.log`).

/** `--item`'s value as an index: digits only, checked before it names any file. */
export function itemIndex(given: string): number {
  if (!/^\d+$/.test(given)) {
    throw new PipeError('ERR_USAGE', `--item takes an item's index (a whole number from 0, as status shows it), not ${JSON.stringify(given.slice(0, 40))}`);
  }
  const index = Number(given);
  if (!Number.isSafeInteger(index)) throw new PipeError('ERR_USAGE', `--item ${given.length > 24 ? `${given.slice(0, 24)}…` : given}: no stage has that many items`);
  return index;
}

/** The item's log file; ERR_USAGE for a stage without items or an index it does not have. */
export function itemLogPath(workspace: string, runId: string, stage: StageState, item: number): string {
  const items = stage.items;
  if (!items) {
    const why = stage.status === 'pending' ? ' (or it has not started: its items are read as it starts)' : '';
    throw new PipeError('ERR_USAGE', `stage ${stage.id} has no items: it is not a fan-out stage (foreach)${why}; without --item, logs prints its log`);
  }
  if (item >= items.total) {
    const range = items.total === 0 ? 'none' : items.total === 1 ? 'item 0 only' : `items 0 to ${items.total - 1}`;
    throw new PipeError('ERR_USAGE', `stage ${stage.id} has no item ${item}: it has ${items.total} item${items.total === 1 ? '' : 's'} (${range})`);
  }
  return itemLogName(stageLogPath(workspace, runId, stage), item);
}

/**
 * The item will write no more to its log (for `-f`): it succeeded or failed, or it has not started and its stage
 * will not start it now. Items start in order, so one below `next` and not running has ended.
 */
export function itemEnded(stage: StageState, item: number): boolean {
  const items = stage.items;
  // A reset forgot the stage's items.
  if (!items) return true;
  if (items.running.some((r) => r.index === item)) return false;
  if (item < items.next) return true;
  return !['pending', 'running', 'retrying'].includes(stage.status);
}
