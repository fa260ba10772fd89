import { Box, Text } from 'ink';
import { formatDuration } from '../../shared/duration.js';
import type { Items, StageState } from '../../shared/metadata-schema.js';
import { itemsText } from '../../shared/progress-text.js';
import { statusSymbol, statusTone } from '../../shared/status-symbols.js';
import { toneColor, useDisplay, useGlyphs } from '../display.js';
import { type ItemOrder, type ItemRow, itemWindow } from '../item-order.js';
import { cut } from '../text.js';

export interface ItemListProps {
  /** The fan-out stage (its `items` set). */
  stage: StageState & { items: Items };
  order: ItemOrder;
  /** The items' values (items/NN_stage.json), null while read or where there is no file. */
  values: string[] | null;
  /** Why the values could not be read. */
  error?: string | null;
  /** The chosen item's index; null for the first row. */
  item: number | null;
  height: number;
  width: number;
  now: number;
}

/** Control characters of a value or message (a newline, an escape) as spaces: a row stays one clean line. */
const oneLine = (text: string): string => text.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').trim();
const VALUE_WIDTH = 18;

// A fan-out stage's items, failed first, then running, then the rest by index; only the window's rows are drawn,
// however many items there are.
export function ItemList({ stage, order, values, error = null, item, height, width, now }: ItemListProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const running = stage.status === 'running';
  const title = `${statusSymbol(stage.status, display.ascii)} ${stage.id}${g.sep}${itemsText(stage.items, running, display.ascii)}`;
  const chosen = item ?? (order.length > 0 ? order.at(0).index : null);
  const place = chosen === null ? 0 : order.placeOf(Math.min(chosen, order.length - 1));
  const { first, rows } = itemWindow(order.length, place, height - (error ? 1 : 0));
  const digits = String(Math.max(0, order.length - 1)).length;
  const line = (row: ItemRow): string => {
    const parts = [
      `${row.index === chosen ? g.marker : ' '} ${statusSymbol(row.status, display.ascii)} ${String(row.index).padStart(digits)}`,
      cut(oneLine(values?.[row.index] ?? ''), VALUE_WIDTH, g.ellipsis).padEnd(VALUE_WIDTH),
      detail(row, now),
    ];
    return cut(parts.join('  ').trimEnd(), width, g.ellipsis);
  };
  const where = rows < order.length ? `${g.sep}row ${place + 1} of ${order.length}` : '';
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{cut(`${title}${where}`, width, g.ellipsis)}</Text>
      {order.length === 0 ? <Text>No items.</Text> : null}
      {error ? <Text color={toneColor(display, 'bad')}>{cut(error, width, g.ellipsis)}</Text> : null}
      {Array.from({ length: rows }, (_, i) => order.at(first + i)).map((row) => (
        // Truncated by Ink too: a value of wide characters (CJK) counts more cells than characters.
        <Text key={row.index} color={toneColor(display, statusTone(row.status))} inverse={row.index === chosen} wrap="truncate">
          {line(row)}
        </Text>
      ))}
    </Box>
  );
}

// What a row says beyond its value: a failed item's code and message, a running one's attempt and time.
function detail(row: ItemRow, now: number): string {
  if (row.failed) {
    const attempts = row.failed.attempts > 1 ? `  (${row.failed.attempts} attempts)` : '';
    return `${row.failed.code}  ${oneLine(row.failed.message)}${attempts}`;
  }
  const r = row.running;
  if (!r) return '';
  const attempt = r.attempt > 1 ? `attempt ${r.attempt}  ` : '';
  if (r.next_attempt_at) return `${attempt}next in ${formatDuration(Math.max(0, Date.parse(r.next_attempt_at) - now))}`;
  return `${attempt}${formatDuration(Math.max(0, now - Date.parse(r.started_at)))}`;
}
