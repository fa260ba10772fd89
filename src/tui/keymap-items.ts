import type { KeyContext, KeyFlags } from './keymap.js';
import { type KeyAnswer, act, none } from './keymap-main.js';
import { itemMoved, itemOrder } from './item-order.js';
import type { UiState } from './ui-state.js';

// The item list of a fan-out stage (Enter on its row): moving chooses the item whose log the pane shows. Enter, Esc
// and q go back, as they leave the entity views.
export function itemsKey(ui: UiState, input: string, key: KeyFlags, ctx: KeyContext): KeyAnswer {
  if (key.escape || key.return || input === 'q') return act({ type: 'overlay', overlay: null });
  if (!ctx.items) return none;
  const order = itemOrder(ctx.items);
  const page = Math.max(1, ctx.itemRows ?? 1);
  const move = (delta: number): KeyAnswer => act({ type: 'item', item: itemMoved(order, ui.item, delta) });
  if (key.downArrow || input === 'j') return move(1);
  if (key.upArrow || input === 'k') return move(-1);
  if (key.pageDown || input === ' ') return move(page);
  if (key.pageUp) return move(-page);
  if (key.home || input === 'g') return move(-order.length);
  if (key.end || input === 'G') return move(order.length);
  return none;
}
