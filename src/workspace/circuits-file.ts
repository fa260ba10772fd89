import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { Circuit } from '../shared/protocol.js';

// `.pipe-tui/circuits.json`: the daemon's circuit breakers as it last saved them, so a restart keeps an open
// circuit open and commands can show it without the daemon. Parsed, never cast: a damaged file reads as none.
const CircuitsFile = z.array(Circuit);

/** Every saved circuit; none when the file is missing or does not parse. */
export function readCircuits(file: string): Circuit[] {
  try {
    const parsed = CircuitsFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The circuits still open at `now`. */
export function readOpenCircuits(file: string, now = Date.now()): Circuit[] {
  return readCircuits(file).filter((c) => c.open_until !== null && Date.parse(c.open_until) > now);
}
