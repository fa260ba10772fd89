import { cells } from './cells.js';
import type { Span } from './terminal-text.js';

// A row wider than the screen wraps, and a wrapped row tears whatever is drawn in place (the TUI, a live display, a
// line redrawn by `logs -f`), so what is shown of a stage's output is cut to the width in terminal cells.

/** `spans` cut to at most `width` cells, ending in `ellipsis` (unstyled) where something was cut. */
export function fitSpans(spans: readonly Span[], width: number, ellipsis = '…'): Span[] {
  // A width too narrow for the ellipsis is cut without one.
  const mark = textCells(ellipsis) < width ? ellipsis : '';
  const room = width - textCells(mark);
  const fitted: Span[] = [];
  let used = 0;
  // Where the text would be cut if it turns out too long: the spans and the cells used up to `room`.
  let cutAt: { spans: number; text: string } | null = null;
  for (const span of spans) {
    let text = '';
    for (const char of span.text) {
      const size = cells(char.codePointAt(0) as number);
      if (used + size > room && cutAt === null) cutAt = { spans: fitted.length, text };
      if (used + size > width) return cutOff(fitted, span, cutAt as { spans: number; text: string }, mark);
      used += size;
      text += char;
    }
    fitted.push({ text, style: span.style });
  }
  return fitted;
}

/** Plain text cut to at most `width` cells, with `ellipsis` where it was cut. */
export function fitText(text: string, width: number, ellipsis = '…'): string {
  return fitSpans([{ text, style: null }], width, ellipsis).map((span) => span.text).join('');
}

function cutOff(fitted: Span[], current: Span, cutAt: { spans: number; text: string }, ellipsis: string): Span[] {
  const kept = fitted.slice(0, cutAt.spans);
  // The span being cut is the one after those kept whole: the current one, or one already pushed.
  const partial = cutAt.spans < fitted.length ? (fitted[cutAt.spans] as Span) : current;
  if (cutAt.text !== '') kept.push({ text: cutAt.text, style: partial.style });
  if (ellipsis !== '') kept.push({ text: ellipsis, style: null });
  return kept;
}

function textCells(text: string): number {
  let used = 0;
  for (const char of text) used += cells(char.codePointAt(0) as number);
  return used;
}
