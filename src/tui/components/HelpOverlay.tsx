import { Box, Text } from 'ink';
import { useGlyphs } from '../display.js';
import type { Glyphs } from '../text.js';

/** Every key, as the README's key table and docs/tui.md describe them. */
export const KEYS = (g: Glyphs): [string, string][] => [
  [`${g.up} ${g.down} / j k`, 'runs, newest first; PgUp / PgDn a page; g / G newest / oldest'],
  [`${g.left} ${g.right} / h`, 'choose the stage whose log is shown'],
  ['Enter / l', "show or hide the selected stage's log"],
  ['Enter', 'on a fan-out stage: its items, failed first; each one its log'],
  ['f / End', 'follow the log; PgUp / PgDn page it; g / G its first / last line'],
  ['/', 'search runs by pipeline, id or status; Enter keeps it, Esc clears'],
  ['/ in a log', 'search it (Tab: regex); n / N next / previous match; Esc clears'],
  ['& + -', 'only the lines that match, with 0 to 5 lines around each'],
  ['E', 'the log at the first line that looks like the failure'],
  ['y / Y', 'copy the line (the match) / the lines shown to the clipboard'],
  ['n', 'new run: type to filter, Enter starts it (Tab: its params first)'],
  ['R', 'run the selected run again, same pipeline and params (y confirms)'],
  ['c / r / a', 'cancel / resume / approve the selected run (y confirms)'],
  ['d', 'delete the selected finished run and its folder (y confirms)'],
  ['e / s', "the selected run's entities / its timeline and recent durations"],
  ['D', 'start the daemon (after pipe-tui daemon stop)'],
  ['? / q', 'this help / quit (the daemon and its runs go on)'],
];

/** Why `y` may copy nothing, and the fix: the terminal has to let a program set its clipboard. */
export const COPY_NOTE = [
  'y / Y copy through the terminal (OSC 52), over SSH too. Some terminals ask first',
  'or need it allowed; in tmux: set -g set-clipboard on (in ~/.tmux.conf).',
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
      {COPY_NOTE.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      <Text>Press any key to close.</Text>
    </Box>
  );
}
