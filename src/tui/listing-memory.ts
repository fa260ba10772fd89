import { setFlagsFromString } from 'node:v8';
import type { IndexEntry } from '../shared/run-index-entry.js';

// What 100 000 listings held at once cost, kept down: their repeated strings shared, and V8's young generation
// kept from growing for good while they are loaded.

/** A listing with its repeated strings shared; `runId` (the folder's name) stands for its own. */
export type Intern = (listing: IndexEntry, runId?: string) => IndexEntry;

/**
 * Listings share their repeated strings and stage states (statuses, pipeline names, `4/5`): 100 000 runs of a few
 * pipelines hold a few hundred of them rather than 100 000 copies each.
 */
export function interner(): Intern {
  const strings = new Map<string, string>();
  const states = new Map<string, IndexEntry['current_state']>();
  const one = <T extends string>(text: T): T => {
    const known = strings.get(text);
    if (known !== undefined) return known as T;
    strings.set(text, text);
    return text;
  };
  return (e, runId = e.run_id) => {
    const s = e.current_state;
    const key = `${s.stage}\n${s.step}\n${s.progress}`;
    let state = states.get(key);
    if (!state) {
      state = { stage: s.stage, step: one(s.step), progress: one(s.progress) };
      states.set(key, state);
    }
    const error = e.error && { code: one(e.error.code), message: e.error.message, stage: e.error.stage === null ? null : one(e.error.stage) };
    // One literal of every field: V8 lays it out flat (a parsed object grows its fields as it is filled in).
    return {
      run_id: runId,
      status: one(e.status),
      pipeline: one(e.pipeline),
      created_at: e.created_at,
      started_at: e.started_at,
      ended_at: e.ended_at,
      current_state: state,
      error,
      total_cost_usd: e.total_cost_usd,
      eta_ms: e.eta_ms,
      seq: e.seq,
      active_ms: e.active_ms,
    };
  };
}

let holds = 0;

/**
 * Holds V8's young generation at its size while listings are loaded in bulk, and lets it grow again after. Every
 * listing kept (100 000 of them, some 40 MB) is born young and survives, and V8 doubles its young generation each
 * time as much has survived, up to its cap (two semi-spaces of 16 MB), which it then keeps for good, idle or not:
 * some 25 MB of memory for nothing once the listings are in the old generation. The flag is read when V8 would grow
 * the young generation, so it can be set for a while.
 */
export function holdYoungGeneration(): () => void {
  const set = (factor: number): void => {
    try {
      setFlagsFromString(`--semi-space-growth-factor=${factor}`);
    } catch {
      // A V8 without it grows as it will.
    }
  };
  if (holds++ === 0) set(1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds === 0) set(2);
  };
}
