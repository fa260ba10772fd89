import { Box, Text } from 'ink';
import { useDisplay } from '../display.js';

export interface PickerProps {
  /** Pipelines matching the query. */
  matches: string[];
  query: string;
  pick: number;
}

// The `n` overlay: pipelines filtered as you type; Enter starts the highlighted one with its defaults.
export function Picker({ matches, query, pick }: PickerProps) {
  const display = useDisplay();
  return (
    <Box flexDirection="column">
      <Text bold>{`New run: ${query}${display.ascii ? '_' : '▏'}`}</Text>
      {matches.length === 0 ? <Text>No pipeline matches. Esc closes.</Text> : null}
      {matches.map((name, i) => (
        <Text key={name} inverse={i === pick}>{`  ${name}`}</Text>
      ))}
      <Text dimColor={display.color}>Enter starts it with its default params · Tab sets its params first · Esc closes</Text>
    </Box>
  );
}
