import type { StageState } from '../shared/metadata-schema.js';
import { fitText } from '../shared/fit-spans.js';
import { STAGE_ID } from '../shared/names.js';
import { plainText, renderLine } from '../shared/terminal-text.js';
import { readItemsFile } from '../workspace/items-file.js';

/** Enough to see what went wrong without a fan-out of thousands burying the rest of `status`. */
const SHOWN = 20;
/** An item may be 64 KiB: its line names it, `logs --item` shows the rest. */
const VALUE_CELLS = 40;

// `status`'s lines under a fan-out stage: each failed item, lowest index first, with its value from the run's items
// file. A missing or unreadable items file costs the values, not the status: the indexes are in metadata.json.
export async function failedItemLines(runDir: string, stage: StageState): Promise<string[]> {
  const failed = [...(stage.items?.failed ?? [])].sort((a, b) => a.index - b.index);
  if (failed.length === 0) return [];
  // The id names a path: checked first, as layout.ts checks it for a log.
  const values = STAGE_ID.test(stage.id) ? await readItemsFile(runDir, stage.index, stage.id).catch(() => null) : null;
  const lines = failed.slice(0, SHOWN).map((f) => {
    const value = values?.[f.index];
    const named = value === undefined ? '' : ` (${safe(value, VALUE_CELLS)})`;
    const attempts = f.attempts > 1 ? ` after ${f.attempts} attempts` : '';
    return `      item ${f.index}${named}${attempts}: ${f.code}: ${safe(f.message)}`;
  });
  if (failed.length > SHOWN) lines.push(`      … and ${failed.length - SHOWN} more`);
  return lines;
}

// Values and messages come from the stage's own input and output: shown as a terminal would show them, without
// escapes, so an item cannot drive the terminal.
function safe(text: string, width?: number): string {
  const shown = plainText(renderLine(width === undefined ? text : text.slice(0, width * 4)));
  return width === undefined ? shown : fitText(shown, width);
}
