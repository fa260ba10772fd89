import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { applyEvent } from '../shared/apply-event.js';
import { PipeError } from '../shared/errors.js';
import { RunEvent } from '../shared/events.js';
import type { RunMetadata } from '../shared/metadata-schema.js';
import { EVENTS_FILE, runDir } from './layout.js';
import { requireRun } from './run-reader.js';

// events.ndjson is appended before metadata.json is written, so its fold is the newest truth about a run. A
// line torn by a crash (the last one) is dropped; the fold is still a consistent earlier state.
export async function foldEvents(dir: string): Promise<{ state: RunMetadata; events: RunEvent[] } | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, EVENTS_FILE), 'utf8');
  } catch {
    return null;
  }
  const events: RunEvent[] = [];
  let state: RunMetadata | null = null;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = RunEvent.safeParse(json);
    if (!parsed.success) continue;
    events.push(parsed.data);
    state = applyEvent(state, parsed.data);
  }
  return state ? { state, events } : null;
}

// A run's state for the daemon: the fold of its events, else its metadata.json, else ERR_METADATA_CORRUPT.
export async function loadRunState(workspace: string, runId: string): Promise<RunMetadata> {
  const folded = await foldEvents(runDir(workspace, runId));
  if (folded) return folded.state;
  return requireRun(workspace, runId);
}

// Events after `seq` of one run, for a client catching up; read from disk so nothing is ever missing.
export async function eventsAfter(workspace: string, runId: string, seq: number): Promise<RunEvent[]> {
  const folded = await foldEvents(runDir(workspace, runId));
  return folded ? folded.events.filter((e) => e.seq > seq) : [];
}

// The seq of the last whole event in events.ndjson, from its tail only: a cheap check of whether
// metadata.json (written after the events, coalesced) fell behind when a daemon died.
export async function lastEventSeq(dir: string): Promise<number> {
  const handle = await open(path.join(dir, EVENTS_FILE), 'r').catch(() => null);
  if (!handle) return 0;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').reverse();
    for (const line of lines) {
      const match = /"seq":(\d+)/.exec(line);
      if (!match) continue;
      try {
        JSON.parse(line);
        return Number(match[1]);
      } catch {
        // A line torn by a crash: the one before it counts.
      }
    }
    return 0;
  } finally {
    await handle.close();
  }
}
