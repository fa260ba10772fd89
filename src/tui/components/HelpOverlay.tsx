import { Box, Text } from 'ink';

export const KEYS: [string, string][] = [
  ['↑ ↓ / j k', 'move through runs (newest first)'],
  ['← → / h', 'choose the stage whose log is shown'],
  ['Enter', 'open the selected run in full (stages, errors, entities)'],
  ['n', 'new run: pick a pipeline, type to filter, Enter starts it (Tab: set its params first)'],
  ['e', "the selected run's entities; Enter shows one (text, JSON pretty-printed)"],
  ['s', "the selected run's timeline, and each stage's recent durations from history"],
  ['c', 'cancel the selected run (y to confirm)'],
  ['r', 'resume the selected run from its first stage not done'],
  ['a', "approve the selected run's waiting stage"],
  ['l', 'show or hide the log of the selected stage'],
  ['f', 'follow the log; PgUp / PgDn page back and forth, Home / End its start / end'],
  ['?', 'this help'],
  ['q', 'quit (the daemon and its runs go on)'],
];

// The `?` overlay: every key, as SPEC section 7 lists them.
export function HelpOverlay() {
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {KEYS.map(([key, what]) => (
        <Text key={key}>{`  ${key.padEnd(11)} ${what}`}</Text>
      ))}
      <Text> </Text>
      <Text>Press any key to close.</Text>
    </Box>
  );
}
