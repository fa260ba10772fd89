import { Box, Text } from 'ink';
import { useGlyphs } from '../display.js';
import type { Glyphs } from '../text.js';

/** Every key, as the README's key table and docs/tui.md describe them. */
export const KEYS = (g: Glyphs): [string, string][] => [
  [`${g.up} ${g.down} / j k`, 'runs, newest first; PgUp / PgDn a page; g / G newest / oldest'],
  [`${g.left} ${g.right} / h`, 'choose the stage whose log is shown'],
  ['Enter / l', "show or hide the selected stage's log"],
  ['Enter', 'on a fan-out stage: its items, failed first; each one its log'],
  ['f / End', 'follow the log; PgUp / PgDn page through it, Home its start'],
  ['/', 'search runs by pipeline, id or status; Enter keeps it, Esc clears'],
  ['n', 'new run: type to filter, Enter starts it (Tab: its params first)'],
  ['R', 'run the selected run again, same pipeline and params (y confirms)'],
  ['c', 'cancel the selected run (y confirms)'],
  ['r', 'resume the selected run from its first stage not done (y confirms)'],
  ['a', "approve the selected run's waiting stage (y confirms)"],
  ['d', 'delete the selected finished run and its folder (y confirms)'],
  ['e', "the selected run's entities; Enter shows one"],
  ['s', "the selected run's timeline and its stages' recent durations"],
  ['D', 'start the daemon (after pipe-tui daemon stop)'],
  ['?', 'this help'],
  ['q', 'quit (the daemon and its runs go on)'],
];

// The `?` overlay: every key.
export function HelpOverlay() {
  const g = useGlyphs();
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {KEYS(g).map(([key, what]) => (
        <Text key={key}>{`  ${key.padEnd(11)} ${what}`}</Text>
      ))}
      <Text>Press any key to close.</Text>
    </Box>
  );
}
