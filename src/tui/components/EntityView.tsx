import { Box, Text } from 'ink';
import { useDisplay } from '../display.js';

export interface EntityViewProps {
  title: string;
  /** The content as rendered text (JSON pretty-printed, or type and size for binary). */
  text: string | null;
  height: number;
  width: number;
}

// One entity's content, as many lines as fit, each cut to the width.
export function EntityView({ title, text, height, width }: EntityViewProps) {
  const display = useDisplay();
  const lines = (text ?? 'loading…').split('\n');
  const shown = lines.slice(0, height);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{title}</Text>
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate">
          {(line.length > width ? `${line.slice(0, width - 1)}…` : line) || ' '}
        </Text>
      ))}
      <Text dimColor={display.color}>{lines.length > height ? `${lines.length - height} more lines · pipe-tui entity prints it all · any key goes back` : 'any key goes back'}</Text>
    </Box>
  );
}
