import { type FileHandle, open } from 'node:fs/promises';
import { useCallback, useRef, useState } from 'react';
import { lastPageTop, lineStartAfter, lineStartBefore } from '../../workspace/log-paging.js';
import { logMatcher } from '../../workspace/log-search.js';
import { type Search, searchName } from '../find-state.js';
import type { FindEffect } from '../keymap.js';
import { type Found, type KnownMatches, NOTHING_KNOWN, failureLine, nextMatch, previousMatch } from '../log-find.js';
import type { UiAction } from '../ui-state.js';

/** Lines shown above a match: what leads to it. */
const ABOVE = 2;
/** How often a jump's progress is drawn. */
const PROGRESS_MS = 100;

export interface JumpSource {
  file: string | null;
  /** The view: its top (null: following the end), its current match, its height. */
  top: number | null;
  match: number | null;
  height: number;
  /** What the count knows, and of which search. */
  known: KnownMatches & { search: Search | null };
  dispatch: (action: UiAction) => void;
  note: (text: string) => void;
  /** How many jumps are under way, for the background count to give way to them. */
  jumping: { current: number };
}

export interface LogJump {
  /** How far the jump under way has read, 0 to 1; null when none is. */
  busy: number | null;
  jump: (effect: Extract<FindEffect, { type: 'log-find' }>) => void;
  stop: () => void;
}

type Landing = { top: number; match: number; wrapped: boolean };

// The moves of the log search (Enter, n, N, E, leaving the filter view): each reads the log from disk off the key
// path, shows how far it got, and stops on Esc; its answer places the match two lines below the view's top. Moves
// pressed in a row are chained, each starting where the previous one landed.
export function useLogJump(source: JumpSource): LogJump {
  const latest = useRef(source);
  latest.current = source;
  const [busy, setBusy] = useState<number | null>(null);
  const controllers = useRef(new Set<AbortController>());
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const place = useRef<{ top: number | null; match: number | null }>({ top: source.top, match: source.match });
  if (controllers.current.size === 0) place.current = { top: source.top, match: source.match };

  const jump = useCallback((effect: Extract<FindEffect, { type: 'log-find' }>) => {
    const { file } = latest.current;
    if (!file) return;
    const controller = new AbortController();
    controllers.current.add(controller);
    latest.current.jumping.current++;
    let shownAt = 0;
    const progress = (fraction: number): void => {
      const now = Date.now();
      if (now - shownAt < PROGRESS_MS) return;
      shownAt = now;
      setBusy(fraction);
    };
    setBusy(0);
    chain.current = chain.current.then(async () => {
      if (controller.signal.aborted) return;
      // (E opens the log with its jump: the pane has no rows yet, and gets some with the next frame.)
      const { known } = latest.current;
      const height = Math.max(1, latest.current.height);
      // The count's offsets spare the disk only for the search they were counted for.
      const same = known.search?.text === effect.search.text && known.search?.regex === effect.search.regex;
      const landing = await land(file, effect, place.current, height, same ? known : NOTHING_KNOWN, controller.signal, progress);
      const now = latest.current;
      if (controller.signal.aborted) return now.note('search stopped');
      if (landing === null) return now.note(missed(effect));
      place.current = landing;
      if (now.file === file) now.dispatch({ type: 'log-top', runId: effect.runId, top: landing.top, match: landing.match });
      if (landing.wrapped) now.note(effect.move === 'prev' ? 'search went on from the end' : 'search went on from the top');
    }).catch(() => latest.current.note(`cannot read ${file}`)).finally(() => {
      controllers.current.delete(controller);
      latest.current.jumping.current--;
      if (controllers.current.size === 0) setBusy(null);
    });
  }, []);

  const stop = useCallback(() => {
    for (const controller of controllers.current) controller.abort();
  }, []);
  return { busy, jump, stop };
}

const missed = (effect: Extract<FindEffect, { type: 'log-find' }>): string =>
  effect.move === 'failure' ? 'no line looks like a failure (ERR_, Error, Exception, Traceback, FAILED, panic:, Killed)' : `no line matches ${searchName(effect.search)}`;

async function land(file: string, effect: Extract<FindEffect, { type: 'log-find' }>, at: { top: number | null; match: number | null }, height: number, known: KnownMatches, signal: AbortSignal, progress: (fraction: number) => void): Promise<Landing | null> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const top = at.top ?? (await lastPageTop(handle, size, height));
    const found = await find(handle, effect, at.match, top, size, known, { signal, progress });
    if (found === null || signal.aborted) return null;
    const placed = await lineStartBefore(handle, found.start, ABOVE);
    return { top: Math.min(placed, await lastPageTop(handle, size, height)), match: found.start, wrapped: found.wrapped };
  } finally {
    await handle.close();
  }
}

async function find(handle: FileHandle, effect: Extract<FindEffect, { type: 'log-find' }>, match: number | null, top: number, size: number, known: KnownMatches, options: { signal: AbortSignal; progress: (fraction: number) => void }): Promise<Found | null> {
  const matcher = logMatcher(effect.search.text, effect.search.regex);
  switch (effect.move) {
    case 'first':
      return nextMatch(handle, matcher, top, size, known, options);
    case 'next': {
      if (match === null) return nextMatch(handle, matcher, top, size, known, options);
      const after = await lineStartAfter(handle, match, 1, size);
      return nextMatch(handle, matcher, after > match ? after : size, size, known, options);
    }
    case 'prev':
      return previousMatch(handle, matcher, match ?? top, size, known, options);
    case 'failure':
      return failureLine(handle, size, 0, options);
    case 'index': {
      const start = known.offsets[effect.index ?? 0];
      return start === undefined ? null : { start, wrapped: false };
    }
  }
}
