import { Box, Text } from 'ink';
import { toneColor, useDisplay, useGlyphs } from '../display.js';
import type { Connection } from '../hooks/use-runs.js';
import type { ReactNode } from 'react';
import { type Glyphs, cut, glyphs, wrap } from '../text.js';

export interface FooterProps {
  connection: Connection;
  note: string | null;
  width: number;
  /** The `/` search being typed: a prompt in place of the keys. */
  search?: string | null;
  /** A question waiting for `y`, in place of the keys. */
  question?: string | null;
  /** The search kept after Enter, named before the keys. */
  filter?: string;
  /** A key the selection offers besides the usual ones (`Enter items` on a fan-out stage), named first. */
  hint?: string | null;
  /** A view's own keys, in place of the main screen's (the item list's). */
  keys?: string[] | null;
  /** The log's `/` prompt being typed, and whether as a regular expression. */
  find?: { text: string; regex: boolean } | null;
  /** The log search kept: where it stands (`/needle  match 3 of 128`), named before the keys. */
  status?: string | null;
  /** The log is open: its keys in place of some of the run list's (`found`: a search is kept). */
  log?: { found: boolean } | null;
}

/** A note's most lines: an error's end (a YAML error's line and column) must show, and the screen stay whole. */
export const NOTE_LINES = 3;
const QUESTION_LINES = 2;

/** Rows the footer takes beyond its one line of keys. */
export const footerExtraRows = (note: string | null, question: string | null, width: number): number =>
  (note ? wrap(note, width, NOTE_LINES).length : 0) + (question ? wrap(question, width, QUESTION_LINES).length - 1 : 0);

const label = (connection: Connection, g: Glyphs): { text: string; tone: 'good' | 'wait' | 'bad' } => {
  switch (connection) {
    case 'live':
      return { text: 'live', tone: 'good' };
    case 'connecting':
      return { text: `connecting${g.ellipsis}`, tone: 'wait' };
    case 'reconnecting':
      return { text: `reconnecting${g.ellipsis}`, tone: 'wait' };
    case 'closed':
      return { text: 'closed', tone: 'bad' };
    case 'read-only':
      return { text: 'read-only (no daemon)', tone: 'bad' };
    case 'idle':
      return { text: 'no daemon yet', tone: 'wait' };
    case 'stopped':
      return { text: `daemon stopped${g.sep}D starts it`, tone: 'wait' };
  }
};

// The last command's answer, then the keys and the connection indicator, or the prompt being answered.
export function Footer({ connection, note, width, search = null, question = null, filter = '', hint = null, keys = null, find = null, status = null, log = null }: FooterProps) {
  const display = useDisplay();
  const g = useGlyphs();
  const state = label(connection, g);
  const indicator = `${g.dot} ${state.text}`;
  const notes = note ? wrap(note, width, NOTE_LINES, g.ellipsis) : [];
  let bottom: ReactNode;
  if (question) {
    bottom = wrap(question, width, QUESTION_LINES, g.ellipsis).map((line, i) => <Text key={`q${i}`} bold>{line}</Text>);
  } else if (search !== null || find !== null) {
    const prompt = find ? `/${find.regex ? 're:' : ''}${find.text}${g.cursor}` : `/${search}${g.cursor}`;
    const help = find ? `Tab ${find.regex ? 'plain text' : 'regex'}${g.sep}Enter finds${g.sep}Esc clears` : `Enter keeps it${g.sep}Esc clears it`;
    bottom = <Text>{cut(prompt.length + 2 + help.length <= width ? `${prompt.padEnd(width - help.length)}${help}` : prompt, width, g.ellipsis)}</Text>;
  } else {
    const kept = [...(status ? [status] : []), ...(filter ? [`/${filter} (Esc clears)`] : []), ...(hint ? [hint] : [])];
    const room = Math.max(0, width - indicator.length - 2);
    bottom = (
      <Box width={width} justifyContent="space-between">
        <Text dimColor={display.color} wrap="truncate">
          {keys ? fitWhole(keys, room) : fitKeys(room, display.ascii, kept, log ? LOG_KEYS(g, log.found) : undefined)}
        </Text>
        <Text color={toneColor(display, state.tone)}>{indicator}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      {notes.map((line, i) => (
        <Text key={`n${i}`}>{line || ' '}</Text>
      ))}
      {bottom}
    </Box>
  );
}

const KEYS = (g: Glyphs): string[] => ['j/k runs', `${g.left}/${g.right} stage`, 'n new', '/ search', 'c cancel', 'r resume', 'a approve', 'l log', 'e entities', 's stats'];
/** With the log open: its search first (n and & once a search is kept), then the run list's. */
const LOG_KEYS = (g: Glyphs, found: boolean): string[] => [
  ...(found ? ['n/N match', '& filter', 'y copy', 'Esc clears'] : ['/ search log', 'E error', 'y/Y copy']),
  'j/k runs', `${g.left}/${g.right} stage`, 'g/G ends', 'l close',
];
const ALWAYS = ['? help', 'q quit'];

/** As many keys as fit, whole, in order; help and quit always, after what must come first (a kept search). */
export function fitKeys(room: number, ascii = false, first: string[] = [], keys: string[] = KEYS(glyphs(ascii))): string {
  const shown: string[] = [...first];
  let used = [...first, ...ALWAYS].join('  ').length;
  for (const key of keys) {
    if (used + key.length + 2 > room) break;
    shown.push(key);
    used += key.length + 2;
  }
  return [...shown, ...ALWAYS].join('  ').slice(0, room);
}

/** As many of `keys` as fit, whole, in order. */
function fitWhole(keys: string[], room: number): string {
  const shown: string[] = [];
  for (const key of keys) {
    if ([...shown, key].join('  ').length > room) break;
    shown.push(key);
  }
  return shown.join('  ');
}
