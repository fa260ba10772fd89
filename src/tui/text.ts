// Text that has to fit a terminal line: glyphs with their `--ascii` twins, cutting, wrapping, fitting parts. Pure and
// free of zod, so the start screen (drawn before anything heavy loads) can use it too.

export interface Glyphs {
  /** Between the parts of a line. */
  sep: string;
  ellipsis: string;
  left: string;
  right: string;
  up: string;
  down: string;
  /** The marker of the selected line. */
  marker: string;
  /** The text cursor of a prompt. */
  cursor: string;
  /** The connection indicator. */
  dot: string;
}

const UNICODE: Glyphs = { sep: ' · ', ellipsis: '…', left: '←', right: '→', up: '↑', down: '↓', marker: '›', cursor: '▏', dot: '●' };
const ASCII: Glyphs = { sep: ' - ', ellipsis: '...', left: '<-', right: '->', up: '^', down: 'v', marker: '>', cursor: '_', dot: '*' };

export const glyphs = (ascii: boolean): Glyphs => (ascii ? ASCII : UNICODE);

/** `text` in at most `width` characters, its end replaced by the ellipsis when it had to be cut. */
export function cut(text: string, width: number, ellipsis = UNICODE.ellipsis): string {
  if (text.length <= width) return text;
  if (width <= ellipsis.length) return text.slice(0, Math.max(0, width));
  return `${text.slice(0, width - ellipsis.length)}${ellipsis}`;
}

/**
 * Word-wrapped lines of at most `width` characters; newlines in `text` are kept, a word longer than a line is broken.
 * Past `maxLines`, the last line kept ends with the ellipsis, so a cut is never silent.
 */
export function wrap(text: string, width: number, maxLines = Number.POSITIVE_INFINITY, ellipsis = UNICODE.ellipsis): string[] {
  const room = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    const indent = /^ */.exec(paragraph)?.[0] ?? '';
    let line = '';
    for (const word of paragraph.trim().split(/\s+/).filter(Boolean)) {
      let rest = word;
      while (rest.length > 0) {
        const joined = line ? `${line} ${rest}` : `${indent}${rest}`;
        if (joined.length <= room) {
          line = joined;
          rest = '';
        } else if (line) {
          lines.push(line);
          line = '';
        } else {
          // A word wider than a whole line: broken where the line ends.
          const take = Math.max(1, room - indent.length);
          lines.push(`${indent}${rest.slice(0, take)}`);
          rest = rest.slice(take);
        }
      }
    }
    lines.push(line);
  }
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept.length - 1;
  kept[last] = `${cut(kept[last] ?? '', room - ellipsis.length, '')}${ellipsis}`;
  return kept;
}

/**
 * A line of parts joined by `sep` that fits `width`: each of `steps` (the parts in a shorter form, or with one left
 * out) is tried in turn until one fits; when none does, the last is cut at its end.
 */
export function fitLine(steps: string[][], sep: string, width: number, ellipsis = UNICODE.ellipsis): string {
  for (const parts of steps) {
    const line = parts.filter(Boolean).join(sep);
    if (line.length <= width) return line;
  }
  return cut((steps.at(-1) ?? []).filter(Boolean).join(sep), width, ellipsis);
}

/** A cost as it reads: cents from a dime up, two significant digits below ($0.05, $0.004, $0.013), never `$0.0`. */
export function formatCost(usd: number): string {
  const rounded = Number(usd.toPrecision(2));
  if (rounded >= 0.1) return `$${usd.toFixed(2)}`;
  const digits = Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(rounded))));
  return `$${rounded.toFixed(digits).replace(/0+$/, '').replace(/\.$/, '')}`;
}
