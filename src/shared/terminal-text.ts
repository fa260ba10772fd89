import { cells } from './cells.js';

// What a stage's output looks like on a terminal, decided in one place for every view of it (the TUI's log pane,
// `logs`, the error panel's last lines). A line is played on a model of one terminal row: `\r` returns to column 0
// and what follows overwrites cell by cell, `\b` steps one cell back, a tab moves to the next multiple of 8, and
// SGR sequences (colours, bold, …) set the style of what is written after them. Nothing else a stage prints may
// drive the user's terminal: every other escape sequence (cursor moves, clear screen, titles, hyperlinks, the
// clipboard, device strings) is dropped whole, and every other control character shows as `?`.

/** The 16 colours of the ANSI palette, by the names chalk and Ink use. */
export type NamedColor =
  | 'black' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'white'
  | 'blackBright' | 'redBright' | 'greenBright' | 'yellowBright' | 'blueBright' | 'magentaBright' | 'cyanBright' | 'whiteBright';
/** A named colour, one of the 256-colour palette (`38;5;n`), or a true colour (`38;2;r;g;b`). */
export type Color = NamedColor | { index: number } | { rgb: [number, number, number] };

export interface Style {
  fg: Color | null;
  bg: Color | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

/** A run of text in one style; `style` null is the terminal's default. */
export interface Span {
  text: string;
  style: Style | null;
}

/** How much of a very long line `renderLineTail` plays by default (UTF-16 units). */
export const TAIL_CHARS = 64 * 1024;

const NAMED: readonly NamedColor[] = [
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white',
  'blackBright', 'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright', 'whiteBright',
];
const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };

// Every escape sequence, as a terminal would consume it. In order: a 7-bit CSI (`ESC [ params intermediates final`,
// the groups read by renderLine; without a final, what was read so far is dropped); an 8-bit CSI (U+009B); the
// strings OSC, DCS, SOS, PM and APC in 7- and 8-bit form, up to BEL or ST (an ESC that does not start ST ends the
// string and is read again; no terminator: to the end of the line, as a terminal would swallow it); and the
// two-character escapes, a lone ESC among them. One grammar for renderLine and stripForMatching.
const ESCAPE = /\x1b\[([0-?]*)([ -/]*)([@-~])?|\x9b[0-?]*[ -/]*[@-~]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/;
const ESCAPE_AT = new RegExp(ESCAPE.source, 'y');
const ESCAPES = new RegExp(ESCAPE.source, 'g');
const SGR_PARAMS = /^[\d;:]*$/;

/** Whether a UTF-16 unit starts an escape sequence: ESC, or an 8-bit CSI, OSC, DCS, SOS, PM or APC. */
function startsEscape(code: number): boolean {
  return code === 0x1b || code === 0x9b || code === 0x9d || code === 0x90 || code === 0x98 || code === 0x9e || code === 0x9f;
}

/** Controls shown as `?`: C0 but the ones a row plays, DEL, C1, and the bidirectional overrides and isolates. */
function shownAsQuestion(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/**
 * One terminal row. Cells below `lo` are blank (an erase made them so without touching each), cells in
 * [lo, end) hold what was written (`''` is the right half of a wide character), and there is nothing from `end`
 * on. Every write touches O(1) cells, and a blank filled in is paid for by a cursor move that crossed it, so a
 * line costs time linear in its length and memory in its widest frame.
 */
class Row {
  private readonly texts: string[] = [];
  private readonly styles: (Style | null)[] = [];
  private lo = 0;
  private end = 0;
  col = 0;

  write(text: string, width: number, style: Style | null): void {
    const at = this.col;
    if (at < this.lo) {
      if (this.end === this.lo) this.end = at;
      else this.blank(at, this.lo);
      this.lo = at;
    }
    if (at > this.end) {
      this.blank(this.end, at);
      this.end = at;
    }
    const next = at + width;
    // Overwriting half of a wide character blanks its other half, as terminals do.
    if (at < this.end && at > this.lo && this.texts[at] === '') this.texts[at - 1] = ' ';
    if (next < this.end && this.texts[next] === '') this.texts[next] = ' ';
    this.texts[at] = text;
    this.styles[at] = style;
    if (width === 2) {
      this.texts[at + 1] = '';
      this.styles[at + 1] = style;
    }
    if (next > this.end) this.end = next;
    this.col = next;
  }

  /** A combining mark joins the character before the cursor. */
  join(text: string): void {
    let cell = this.col - 1;
    if (cell >= this.lo && cell < this.end && this.texts[cell] === '') cell--;
    if (cell >= this.lo && cell < this.end) this.texts[cell] += text;
  }

  /** `ESC [ n K`: 0 erases from the cursor to the end of the row, 1 from its start to the cursor, 2 all of it. */
  erase(mode: string): void {
    const col = this.col;
    if (mode === '' || mode === '0') {
      if (col >= this.end) return;
      if (col <= this.lo) {
        this.lo = this.end = col;
        return;
      }
      if (this.texts[col] === '') this.texts[col - 1] = ' ';
      this.end = col;
    } else if (mode === '1') {
      if (col + 1 >= this.end) {
        this.lo = this.end = Math.max(this.lo, col + 1);
        return;
      }
      if (col + 1 <= this.lo) return;
      if (this.texts[col + 1] === '') this.texts[col + 1] = ' ';
      this.lo = col + 1;
    } else if (mode === '2') {
      this.lo = this.end = col;
    }
  }

  spans(): Span[] {
    const spans: Span[] = [];
    if (this.end === this.lo) return spans;
    if (this.lo > 0) addSpan(spans, ' '.repeat(this.lo), null);
    let text = '';
    let style: Style | null = null;
    for (let cell = this.lo; cell < this.end; cell++) {
      const cellText = this.texts[cell] as string;
      if (cellText === '') continue;
      const cellStyle = this.styles[cell] ?? null;
      if (text !== '' && !sameStyle(cellStyle, style)) {
        addSpan(spans, text, style);
        text = '';
      }
      if (text === '') style = cellStyle;
      text += cellText;
    }
    if (text !== '') addSpan(spans, text, style);
    return spans;
  }

  private blank(from: number, to: number): void {
    for (let cell = from; cell < to; cell++) {
      this.texts[cell] = ' ';
      this.styles[cell] = null;
    }
  }
}

function addSpan(spans: Span[], text: string, style: Style | null): void {
  const last = spans[spans.length - 1];
  if (last && sameStyle(last.style, style)) last.text += text;
  else spans.push({ text, style });
}

/**
 * One line of a stage's output (without its `\n`) as a terminal would leave it: the last `\r` frame over what
 * earlier, wider frames left, colours kept as styles, every other escape dropped and other controls shown as `?`.
 * Linear in the line's length, memory in its widest frame, whatever the number of frames.
 */
export function renderLine(raw: string): Span[] {
  const row = new Row();
  let style: Style | null = null;
  const length = raw.length;
  let i = 0;
  while (i < length) {
    const code = raw.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) {
      row.write(raw[i] as string, 1, style);
      i++;
    } else if (code === 0x0d) {
      row.col = 0;
      i++;
    } else if (code === 0x08) {
      if (row.col > 0) row.col--;
      i++;
    } else if (code === 0x09) {
      row.col = (Math.floor(row.col / 8) + 1) * 8;
      i++;
    } else if (startsEscape(code)) {
      ESCAPE_AT.lastIndex = i;
      const match = ESCAPE_AT.exec(raw) as RegExpExecArray;
      const [, params, intermediates, final] = match;
      if (final === 'm' && intermediates === '' && SGR_PARAMS.test(params as string)) style = applySgr(style, params as string);
      else if (final === 'K' && intermediates === '') row.erase(params as string);
      i = ESCAPE_AT.lastIndex;
    } else if (shownAsQuestion(code)) {
      row.write('?', 1, style);
      i++;
    } else {
      const point = raw.codePointAt(i) as number;
      const size = point > 0xffff ? 2 : 1;
      // A surrogate without its pair (a string cut in the middle of a character) shows as U+FFFD.
      const text = point >= 0xd800 && point <= 0xdfff ? '\ufffd' : raw.slice(i, i + size);
      const width = cells(point);
      if (width === 0) row.join(text);
      else row.write(text, width, style);
      i += size;
    }
  }
  return row.spans();
}

/**
 * `renderLine` of a line's end only, for a line too long to play whole (a progress bar printing `\r` frames for
 * an hour without a newline). It plays from the first `\r` among the last `maxChars` units (trailing `\r`s aside),
 * so what it shows starts at a frame; if the last frame alone is longer than that, it plays that frame's first
 * `maxChars` units instead. Lost against `renderLine(raw)`: the style an SGR set before the part played (the first
 * frames played may show plain where a terminal shows them coloured), the cells of earlier frames wider than every
 * frame played (a long first line overwritten by shorter frames), and a last frame's cells past `maxChars`.
 * A caller paging a file does the same with bytes: read the line's last N bytes (N = TAIL_CHARS is plenty for any
 * screen), decode them and pass them here, a character cut by the read start being dropped with the partial frame
 * before the first `\r`; when those bytes hold no `\r` but trailing ones, read from the line's start instead.
 */
export function renderLineTail(raw: string, maxChars = TAIL_CHARS): Span[] {
  let end = raw.length;
  // Trailing `\r`s only move the cursor: they never change what shows.
  while (end > 0 && raw.charCodeAt(end - 1) === 0x0d) end--;
  if (end <= maxChars) return renderLine(raw.slice(0, end));
  const lastReturn = raw.lastIndexOf('\r', end - 1);
  if (lastReturn < end - maxChars) return renderLine(raw.slice(lastReturn + 1, lastReturn + 1 + maxChars));
  return renderLine(raw.slice(raw.indexOf('\r', end - maxChars), end));
}

/** The text of spans without styles: for `--json`, NO_COLOR, a pipe, and searching. */
export function plainText(spans: readonly Span[]): string {
  let text = '';
  for (const span of spans) text += span.text;
  return text;
}

/**
 * Spans as text for a colour terminal: the only escape sequences in it are SGR, one per change of style (the
 * shorter of the difference and a reset followed by the new style), and the terminal is left in its default style
 * (a reset after the last span if that one is styled; a plain span is preceded by a reset).
 */
export function ansiText(spans: readonly Span[]): string {
  let text = '';
  let current: Style | null = null;
  for (const span of spans) {
    if (span.text === '') continue;
    if (!sameStyle(span.style, current)) {
      text += transition(current, span.style);
      current = span.style;
    }
    text += span.text;
  }
  return current ? `${text}\x1b[0m` : text;
}

/**
 * A raw frame's text without its escape sequences, quickly (one regular expression), for a parser looking for
 * progress in what a program printed. Control characters are left as they are, and `\r` and `\b` are not played:
 * for what a whole line shows, use `plainText(renderLine(line))`.
 */
export function stripForMatching(text: string): string {
  return text.replace(ESCAPES, '');
}

function transition(from: Style | null, to: Style | null): string {
  if (!to) return '\x1b[0m';
  const full = ['0', ...styleParams(PLAIN, to)].join(';');
  if (!from) return `\x1b[${full.slice(2)}m`;
  const diff = styleParams(from, to).join(';');
  return `\x1b[${diff.length < full.length ? diff : full}m`;
}

/** The SGR parameters that turn a terminal in style `from` into style `to`. */
function styleParams(from: Style, to: Style): string[] {
  const params: string[] = [];
  if ((from.bold && !to.bold) || (from.dim && !to.dim)) {
    params.push('22');
    if (to.bold) params.push('1');
    if (to.dim) params.push('2');
  } else {
    if (to.bold && !from.bold) params.push('1');
    if (to.dim && !from.dim) params.push('2');
  }
  if (from.italic !== to.italic) params.push(to.italic ? '3' : '23');
  if (from.underline !== to.underline) params.push(to.underline ? '4' : '24');
  if (from.inverse !== to.inverse) params.push(to.inverse ? '7' : '27');
  if (!sameColor(from.fg, to.fg)) params.push(colorParams(to.fg, 30, 90, '38', '39'));
  if (!sameColor(from.bg, to.bg)) params.push(colorParams(to.bg, 40, 100, '48', '49'));
  return params;
}

function colorParams(color: Color | null, base: number, brightBase: number, extended: string, reset: string): string {
  if (color === null) return reset;
  if (typeof color === 'string') {
    const index = NAMED.indexOf(color);
    return String(index < 8 ? base + index : brightBase + index - 8);
  }
  if ('index' in color) return `${extended};5;${color.index}`;
  return `${extended};2;${color.rgb.join(';')}`;
}

/** The style after an SGR sequence with these parameters (digits, `;` and `:` only); null for the default. */
function applySgr(style: Style | null, params: string): Style | null {
  const next: Style = { ...(style ?? PLAIN) };
  const list = params.split(';');
  for (let k = 0; k < list.length; k++) {
    const param = list[k] as string;
    if (param.includes(':')) {
      // Sub-parameters: `38:5:n`, `38:2:r:g:b` or `38:2:space:r:g:b`, and underline styles `4:n`.
      const sub = param.split(':').map(toNumber);
      const code = sub[0];
      if (code === 38 || code === 48) {
        const rest = sub[1] === 2 && sub.length >= 6 ? [2, ...sub.slice(3)] : sub.slice(1);
        const color = extendedColor(rest, 0)[0];
        if (color) next[code === 38 ? 'fg' : 'bg'] = color;
      } else if (code === 4) next.underline = sub[1] !== 0;
      continue;
    }
    const code = toNumber(param);
    if (code === 38 || code === 48) {
      const [color, used] = extendedColor(list.map(toNumber), k + 1);
      if (color) next[code === 38 ? 'fg' : 'bg'] = color;
      k += used;
    } else setAttribute(next, code);
  }
  return sameStyle(next, PLAIN) ? null : next;
}

function setAttribute(style: Style, code: number): void {
  if (code === 0) Object.assign(style, PLAIN);
  else if (code === 1) style.bold = true;
  else if (code === 2) style.dim = true;
  else if (code === 3) style.italic = true;
  else if (code === 4) style.underline = true;
  else if (code === 7) style.inverse = true;
  else if (code === 22) style.bold = style.dim = false;
  else if (code === 23) style.italic = false;
  else if (code === 24) style.underline = false;
  else if (code === 27) style.inverse = false;
  else if (code >= 30 && code <= 37) style.fg = NAMED[code - 30] as NamedColor;
  else if (code === 39) style.fg = null;
  else if (code >= 40 && code <= 47) style.bg = NAMED[code - 40] as NamedColor;
  else if (code === 49) style.bg = null;
  else if (code >= 90 && code <= 97) style.fg = NAMED[code - 90 + 8] as NamedColor;
  else if (code >= 100 && code <= 107) style.bg = NAMED[code - 100 + 8] as NamedColor;
}

/** The colour `5;n` or `2;r;g;b` at `at` in a parameter list, and how many parameters it took. */
function extendedColor(list: readonly number[], at: number): [Color | null, number] {
  const kind = list[at];
  if (kind === 5) {
    const index = list[at + 1];
    return [index !== undefined && index <= 255 ? { index } : null, Math.min(2, list.length - at)];
  }
  if (kind === 2) {
    const rgb = list.slice(at + 1, at + 4);
    const valid = rgb.length === 3 && rgb.every((value) => value <= 255);
    return [valid ? { rgb: rgb as [number, number, number] } : null, Math.min(4, list.length - at)];
  }
  return [null, kind === undefined ? 0 : 1];
}

function toNumber(param: string): number {
  return param === '' ? 0 : Number(param);
}

function sameColor(a: Color | null, b: Color | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a === 'string' || typeof b === 'string') return false;
  if ('index' in a) return 'index' in b && a.index === b.index;
  return 'rgb' in b && a.rgb[0] === b.rgb[0] && a.rgb[1] === b.rgb[1] && a.rgb[2] === b.rgb[2];
}

function sameStyle(a: Style | null, b: Style | null): boolean {
  if (a === b) return true;
  const x = a ?? PLAIN;
  const y = b ?? PLAIN;
  return (
    x.bold === y.bold && x.dim === y.dim && x.italic === y.italic && x.underline === y.underline &&
    x.inverse === y.inverse && sameColor(x.fg, y.fg) && sameColor(x.bg, y.bg)
  );
}
