import { Box, Text } from 'ink';
import { useDisplay } from '../display.js';
import type { MarkedSpan } from '../marks.js';
import { OutputLine } from './OutputLine.js';

export interface LogPaneProps {
  title: string;
  /** The lines, the log search's matches marked. */
  lines: MarkedSpan[][];
  follow: boolean;
  /** Said after the title in place of following or not (the filter view's). */
  mode?: string | null;
  /** Said when there are no lines: `(empty)` unless told otherwise (the filter view, its page not read yet). */
  empty?: string;
  /** The stage has written no log yet (it has not started): said, rather than showing an empty or another log. */
  missing?: boolean;
}

// The selected stage's log, as many lines as fit, each already cut to the width.
export function LogPane({ title, lines, follow, missing = false, mode = null, empty = '(empty)' }: LogPaneProps) {
  const display = useDisplay();
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold wrap="truncate">{`${title}${mode ? ` ${mode}` : follow ? ' (following)' : ' (scrolled back: f follows)'}`}</Text>
      {missing ? <Text dimColor={display.color}>no output yet</Text> : lines.length === 0 ? <Text dimColor={display.color}>{empty || ' '}</Text> : null}
      {lines.map((line, i) => (
        <OutputLine key={i} spans={line} />
      ))}
    </Box>
  );
}
