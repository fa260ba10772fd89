// Text charts for the stats view, pure so their output can be checked character by character.

const SPARKS = '▁▂▃▄▅▆▇█';
const ASCII_SPARKS = '_.-:=+*#';

/** One character per value, its height by where it lies between the smallest and the largest. */
export function sparkline(values: number[], ascii = false): string {
  if (values.length === 0) return '';
  const levels = ascii ? ASCII_SPARKS : SPARKS;
  const low = Math.min(...values);
  const span = Math.max(...values) - low;
  return values.map((v) => levels[span === 0 ? 3 : Math.round(((v - low) / span) * (levels.length - 1))]).join('');
}

/** A bar for [start, end] on a line of `width` characters that spans [from, to]: blanks, then the bar. */
export function timelineBar(start: number, end: number, from: number, to: number, width: number, ascii = false): string {
  const span = Math.max(1, to - from);
  const left = Math.min(width - 1, Math.max(0, Math.floor(((start - from) / span) * width)));
  const right = Math.min(width, Math.max(left + 1, Math.ceil(((end - from) / span) * width)));
  return `${' '.repeat(left)}${(ascii ? '#' : '█').repeat(right - left)}`;
}
