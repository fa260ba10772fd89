import { cells } from '../shared/cells.js';

// What a stage printed, made fit to show on a terminal. A stage's output must never drive the terminal: escape
// sequences (colours, but also "clear the screen", "set the window title", "move the cursor") would tear the
// live display or worse, so they are dropped, and every other control character is shown as `?`.

// CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC ] … ESC \`), and the two-character escapes.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;
// C0 controls but tab, DEL, C1 controls (U+009B is a CSI on its own for some terminals), and the bidirectional
// overrides that would make a line read in another order than it was written.
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** One line of a stage's output as a terminal may show it; a carriage return keeps what the terminal would. */
export function safeLine(text: string): string {
  const shown = text.replace(/\r+$/, '');
  const afterReturn = shown.slice(shown.lastIndexOf('\r') + 1);
  return afterReturn.replace(ESCAPES, '').replace(/\t/g, '  ').replace(CONTROLS, '?');
}

/** `text` cut to at most `width` terminal cells, with `…` where it was cut: a longer row would wrap and tear a redraw. */
export function fitWidth(text: string, width: number): string {
  let used = 0;
  let end = 0;
  let cutAt = -1;
  for (const char of text) {
    const size = cells(char.codePointAt(0) as number);
    if (used + size > width - 1 && cutAt < 0) cutAt = end;
    if (used + size > width) return `${text.slice(0, cutAt)}…`;
    used += size;
    end += char.length;
  }
  return text;
}
