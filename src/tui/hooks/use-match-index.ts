import { open } from 'node:fs/promises';
import { useEffect, useState } from 'react';
import { lineStartBefore } from '../../workspace/log-paging.js';
import { logMatcher } from '../../workspace/log-search.js';
import type { Search } from '../find-state.js';
import { type KnownMatches, slicedSearch } from '../log-find.js';

/** The most match offsets kept: past them the count says `10 000+`, and n / N read the disk. */
export const MAX_MATCHES = 10_000;
/** How often the count shows how far it got: more often would draw the screen for little. */
const PUBLISH_MS = 100;
/** How often a counted log is looked at again, for what a running stage adds to it. */
const POLL_MS = 1000;

export interface MatchIndex extends KnownMatches {
  /** The log as it stands is counted through (or the cap was reached). */
  done: boolean;
  capped: boolean;
  /** How much of the log the count has read, 0 to 1. */
  progress: number;
}

export const EMPTY_INDEX: MatchIndex = { offsets: [], scanned: 0, done: false, capped: false, progress: 0 };

interface Counted extends MatchIndex {
  key: string;
}

// The kept search's matches, counted in the background through the whole log (slicedSearch: off the key path, the
// event loop turning every few milliseconds; a jump, which the user waits for, goes first): their line starts, up to MAX_MATCHES, for `match 3 of 128`, the filter view and n / N without the
// disk. Stopped when the search, the log or the pane changes. A log that grows is counted on from where it was.
export function useMatchIndex(file: string | null, search: Search | null, active: boolean, yieldTo?: () => Promise<void>): MatchIndex {
  const key = file && search && active ? `${file}\n${search.regex}\n${search.text}` : null;
  const [counted, setCounted] = useState<Counted | null>(null);
  useEffect(() => {
    if (!file || !search || !active || key === null) return;
    const controller = new AbortController();
    const { signal } = controller;
    let matcher: ReturnType<typeof logMatcher>;
    try {
      matcher = logMatcher(search.text, search.regex);
    } catch {
      return;
    }
    let offsets: number[] = [];
    let scanned = 0;
    let size = -1;
    /** Where the count goes on when the log grows: the start of its last line, unfinished when last read. */
    let resume = 0;
    let capped = false;
    let shownAt = 0;
    let counting = false;
    const publish = (done: boolean): void => {
      if (signal.aborted) return;
      const now = Date.now();
      if (!done && now - shownAt < PUBLISH_MS) return;
      shownAt = now;
      setCounted({ key, offsets: offsets.slice(), scanned, done, capped, progress: size > 0 ? Math.min(1, scanned / size) : 1 });
    };
    const count = async (): Promise<void> => {
      if (counting || capped || signal.aborted) return;
      counting = true;
      const handle = await open(file, 'r').catch(() => null);
      try {
        if (!handle) return publish(true);
        const now = (await handle.stat()).size;
        if (now === size) return;
        // A log that shrank was written anew: counted again from its top.
        const from = now < size ? 0 : resume;
        offsets = offsets.filter((offset) => offset < from);
        scanned = from;
        size = now;
        // Counting on through what a running stage added is no news: the count stays `done`, not `counting…`.
        const growing = from > 0;
        if (!growing) publish(false);
        for await (const batch of slicedSearch(handle, matcher, { from, to: size, signal, yieldTo, progress: (at) => (scanned = at) })) {
          offsets.push(...batch.map((match) => match.start).slice(0, MAX_MATCHES - offsets.length));
          if (offsets.length >= MAX_MATCHES) {
            capped = true;
            // Every match before the last kept is known; past it the disk tells.
            scanned = offsets.at(-1) as number;
            break;
          }
          publish(growing);
        }
        if (signal.aborted) return;
        resume = capped ? scanned : await lastLineStart(handle, size);
        publish(true);
      } finally {
        counting = false;
        await handle?.close();
      }
    };
    void count().catch(() => undefined);
    const timer = setInterval(() => void count().catch(() => undefined), POLL_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [key]);
  return counted && counted.key === key ? counted : EMPTY_INDEX;
}

// Where the count must read again once the log grows: its end after a newline, else the start of its last line.
async function lastLineStart(handle: Awaited<ReturnType<typeof open>>, size: number): Promise<number> {
  if (size === 0) return 0;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a ? size : lineStartBefore(handle, size, 1);
}
