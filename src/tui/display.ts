import { createContext, useContext } from 'react';
import type { Tone } from '../shared/status-symbols.js';
import { type Glyphs, glyphs } from './text.js';

/** How the terminal can draw: `--ascii` for no block characters, NO_COLOR for no colour at all. */
export interface Display {
  ascii: boolean;
  color: boolean;
}

export const DisplayContext = createContext<Display>({ ascii: false, color: true });
export const useDisplay = (): Display => useContext(DisplayContext);

const COLORS: Record<Tone, string> = { good: 'green', bad: 'red', busy: 'cyan', wait: 'yellow', dim: 'gray' };

/** The colour for a tone, or undefined when colour is off: Ink then writes no escape for it. */
export const toneColor = (display: Display, tone: Tone): string | undefined => (display.color ? COLORS[tone] : undefined);

/** The glyphs to draw with: Unicode, or their ASCII twins under `--ascii`. */
export const useGlyphs = (): Glyphs => glyphs(useDisplay().ascii);
