import { Box, Text } from 'ink';
import { useDisplay, useGlyphs } from '../display.js';
import { fitSpans } from '../../shared/fit-spans.js';
import { renderLine } from '../../shared/terminal-text.js';
import { cut } from '../text.js';
import { OutputLine } from './OutputLine.js';

export interface EntityViewProps {
  title: string;
  /** The content as rendered text (JSON pretty-printed, or type and size for binary); null while it loads. */
  text: string | null;
  /** The first line shown (j/k, PgUp/PgDn, Home/End move it). */
  top: number;
  height: number;
  width: number;
}

// One entity's content from its `top` line, as many lines as fit, each cut to the width, and where that is in it.
export function EntityView({ title, text, top, height, width }: EntityViewProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const lines = (text ?? `loading${g.ellipsis}`).split('\n');
  const first = Math.min(top, Math.max(0, lines.length - height));
  const shown = lines.slice(first, first + height);
  const where = lines.length > height ? `${first + 1}-${first + shown.length} of ${lines.length}${g.sep}j/k PgUp/PgDn Home/End move${g.sep}` : '';
  return (
    <Box flexDirection="column">
      <Text bold>{cut(title, width, g.ellipsis)}</Text>
      {shown.map((line, i) => (
        // A text entity is a stage's output too: shown as a terminal would, and never driving it.
        <OutputLine key={i} spans={fitSpans(renderLine(line), width, g.ellipsis)} />
      ))}
      <Text dimColor={display.color}>{cut(`${where}q back`, width, g.ellipsis)}</Text>
    </Box>
  );
}
