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
  const keys = fitKeys(Math.max(0, width - state.label.length - 4));
  return (
    <Box flexDirection="column">
      {note ? <Text wrap="truncate">{note.slice(0, width)}</Text> : null}
      <Box width={width} justifyContent="space-between">
        <Text dimColor={display.color} wrap="truncate">
          {keys}
        </Text>
        <Text color={toneColor(display, state.tone)}>{`${display.ascii ? '*' : '●'} ${state.label}`}</Text>
      </Box>
    </Box>
  );
}

const KEYS = ['j/k runs', '←/→ stage', 'n new', 'c cancel', 'r resume', 'a approve', 'l log', 'e entities', 's stats'];
const ALWAYS = ['? help', 'q quit'];

/** As many keys as fit, whole, in order; help and quit always. */
export function fitKeys(room: number): string {
  const shown: string[] = [];
  let used = ALWAYS.join('  ').length;
  for (const key of KEYS) {
    if (used + key.length + 2 > room) break;
    shown.push(key);
    used += key.length + 2;
  }
  return [...shown, ...ALWAYS].join('  ').slice(0, room);
}
