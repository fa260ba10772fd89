import { Box, Text } from 'ink';
import { useDisplay } from '../display.js';

export interface LogPaneProps {
  title: string;
  lines: string[];
  follow: boolean;
}

// The selected stage's log, as many lines as fit, each already cut to the width.
export function LogPane({ title, lines, follow }: LogPaneProps) {
  const display = useDisplay();
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{`${title}${follow ? ' (following)' : ' (scrolled back: f follows)'}`}</Text>
      {lines.length === 0 ? <Text dimColor={display.color}>(empty)</Text> : null}
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line || ' '}
        </Text>
      ))}
    </Box>
  );
}
