import { Box, Text } from 'ink';
import { toneColor, useDisplay } from '../display.js';
import type { Connection } from '../hooks/use-runs.js';

export interface FooterProps {
  connection: Connection;
  note: string | null;
  width: number;
}

const CONNECTION: Record<Connection, { label: string; tone: 'good' | 'wait' | 'bad' }> = {
  live: { label: 'live', tone: 'good' },
  connecting: { label: 'connecting…', tone: 'wait' },
  reconnecting: { label: 'reconnecting…', tone: 'wait' },
  closed: { label: 'closed', tone: 'bad' },
  'read-only': { label: 'read-only (no daemon)', tone: 'bad' },
};

// The keys, the connection indicator, and the last command's answer.
export function Footer({ connection, note, width }: FooterProps) {
  const display = useDisplay();
  const state = CONNECTION[connection];
  const keys = 'j/k runs  ←/→ stage  n new  c cancel  r resume  a approve  l log  e entities  ? help  q quit';
  return (
    <Box flexDirection="column">
      {note ? <Text wrap="truncate">{note.slice(0, width)}</Text> : null}
      <Box width={width} justifyContent="space-between">
        <Text dimColor={display.color} wrap="truncate">
          {keys.slice(0, Math.max(0, width - state.label.length - 4))}
        </Text>
        <Text color={toneColor(display, state.tone)}>{`${display.ascii ? '*' : '●'} ${state.label}`}</Text>
      </Box>
    </Box>
  );
}
