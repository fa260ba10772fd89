import { useMemo } from 'react';
import type { Items, StageState } from '../../shared/metadata-schema.js';
import { STAGE_ID } from '../../shared/names.js';
import { runDir } from '../../workspace/layout.js';
import { type ItemOrder, itemMoved, itemOrder } from '../item-order.js';
import type { UiState } from '../ui-state.js';
import { type ItemValues, useItemValues } from './use-item-values.js';

export type FanoutStage = StageState & { items: Items };

export interface ItemList {
  /** The chosen stage when it is a fan-out (its items known); null for a plain stage. */
  fanout: FanoutStage | null;
  /** The item list is on screen. */
  open: boolean;
  order: ItemOrder | null;
  /** The item whose log the pane shows: the one chosen, else the list's first; null for none (or the list closed). */
  item: number | null;
  values: ItemValues;
}

// The item list of the chosen fan-out stage: its order (kept while the stage's items are the same object), the
// chosen item, and the items' values, read from the run folder while the list is open.
export function useItemList(workspace: string, runId: string | null, stage: StageState | null, ui: UiState): ItemList {
  const fanout = stage?.items ? (stage as FanoutStage) : null;
  const items = fanout?.items ?? null;
  const order = useMemo(() => (items ? itemOrder(items) : null), [items]);
  const open = ui.overlay === 'items' && order !== null;
  // A stage id that could not name a file (a corrupt record) reads nothing, as its log is not read either.
  const readable = open && runId !== null && fanout !== null && STAGE_ID.test(fanout.id);
  const values = useItemValues(readable ? { runDir: runDir(workspace, runId), stage: fanout, total: fanout.items.total } : null);
  return { fanout, open, order, item: open && order ? itemMoved(order, ui.item, 0) : null, values };
}
