import { type Span, plainText } from '../shared/terminal-text.js';

// The log search's matches on screen: the parts of a line that match are marked (drawn inverse, with or without
// colour). A mark is the search's own, kept apart from the line's styles: without colour those are not drawn, a
// mark still is.

export type MarkedSpan = Span & { mark?: boolean };

/** `spans` split where `ranges` (UTF-16 offsets into the line's text, in order) start and end, those parts marked. */
export function markSpans(spans: readonly Span[], ranges: readonly [number, number][]): MarkedSpan[] {
  if (ranges.length === 0) return spans as MarkedSpan[];
  const marked: MarkedSpan[] = [];
  let at = 0;
  for (const span of spans) {
    const end = at + span.text.length;
    let from = at;
    for (const [start, stop] of ranges) {
      if (stop <= from || start >= end) continue;
      if (start > from) marked.push({ text: span.text.slice(from - at, start - at), style: span.style });
      const until = Math.min(stop, end);
      marked.push({ text: span.text.slice(Math.max(start, from) - at, until - at), style: span.style, mark: true });
      from = until;
    }
    if (from < end) marked.push({ text: span.text.slice(from - at), style: span.style });
    at = end;
  }
  return marked;
}

/** Each line with what `ranges` finds in its text (as shown) marked. */
export const markLines = (lines: readonly Span[][], ranges: (text: string) => [number, number][]): MarkedSpan[][] =>
  lines.map((spans) => markSpans(spans, ranges(plainText(spans))));
