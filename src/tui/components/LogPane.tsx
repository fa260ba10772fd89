import { Box, Text } from 'ink';
import type { Span } from '../../shared/terminal-text.js';
import { useDisplay } from '../display.js';
import { OutputLine } from './OutputLine.js';

export interface LogPaneProps {
  title: string;
  lines: Span[][];
  follow: boolean;
  /** The stage has written no log yet (it has not started): said, rather than showing an empty or another log. */
  missing?: boolean;
}

// The selected stage's log, as many lines as fit, each already cut to the width.
export function LogPane({ title, lines, follow, missing = false }: LogPaneProps) {
  const display = useDisplay();
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{`${title}${follow ? ' (following)' : ' (scrolled back: f follows)'}`}</Text>
      {missing ? <Text dimColor={display.color}>no output yet</Text> : lines.length === 0 ? <Text dimColor={display.color}>(empty)</Text> : null}
      {lines.map((line, i) => (
        <OutputLine key={i} spans={line} />
      ))}
    </Box>
  );
}
