import { Text } from 'ink';
import { type Color, type Style, plainText } from '../../shared/terminal-text.js';
import { useDisplay } from '../display.js';
import type { MarkedSpan } from '../marks.js';

export interface OutputLineProps {
  /** The line as terminal-text rendered it, already cut to the width. */
  spans: readonly MarkedSpan[];
  /** Drawn before the line, dim. */
  prefix?: string;
  /** The line's unstyled text dim too (the error panel's quotes of a log). */
  dim?: boolean;
}

// One line of a stage's output, its colours drawn by Ink (which writes the only escape sequences), or plain when
// colour is off. Never wrapped: a wrapped row would push the rest of the screen down. The log search's marks are
// drawn inverse, colour or not (NO_COLOR is about colour: inverse is what a terminal without it still has).
export function OutputLine({ spans, prefix = '', dim = false }: OutputLineProps) {
  const { color } = useDisplay();
  const text = plainText(spans);
  if (!color && !spans.some((span) => span.mark)) return <Text wrap="truncate">{`${prefix}${text}` || ' '}</Text>;
  if (!color) {
    return (
      <Text wrap="truncate">
        {prefix}
        {spans.map((span, i) => (span.mark ? <Text key={i} inverse>{span.text}</Text> : span.text))}
      </Text>
    );
  }
  return (
    <Text wrap="truncate" dimColor={dim}>
      {prefix ? <Text dimColor>{prefix}</Text> : null}
      {text === '' ? ' ' : spans.map((span, i) => <Text key={i} {...inkStyle(span.style)} inverse={span.mark || span.style?.inverse}>{span.text}</Text>)}
    </Text>
  );
}

function inkStyle(style: Style | null) {
  if (!style) return {};
  return {
    color: inkColor(style.fg),
    backgroundColor: inkColor(style.bg),
    bold: style.bold,
    dimColor: style.dim,
    italic: style.italic,
    underline: style.underline,
    inverse: style.inverse,
  };
}

/** A colour as Ink names it: the chalk names of the 16, `ansi256(n)`, or `#rrggbb`. */
function inkColor(color: Color | null): string | undefined {
  if (color === null) return undefined;
  if (typeof color === 'string') return color;
  if ('index' in color) return `ansi256(${color.index})`;
  return `#${color.rgb.map((value) => value.toString(16).padStart(2, '0')).join('')}`;
}
