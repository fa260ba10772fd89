import { open } from 'node:fs/promises';
import { watch } from 'chokidar';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Span } from '../../shared/terminal-text.js';
import { lastPageTop, lineStartAfter, lineStartBefore, readPage } from '../../workspace/log-paging.js';

/** A fallback for a log whose folder is not there yet, and for filesystems without change events. */
const POLL_MS = 1000;
/** The size noted for a file that is not there. */
const MISSING = -2;

export type PageMove = 'up' | 'down' | 'top';

export interface LogView {
  /** Lines of `file` and of no other, as a terminal shows them, cut to the width: empty until the first read lands. */
  lines: Span[][];
  /** The file is not there (its stage has not started): nothing of it to show yet. */
  missing: boolean;
  /** The top a move leads to: a byte offset, or null for the end (following). */
  page: (move: PageMove) => Promise<number | null>;
}

/** What was read, and of which file: a page read of another file is never shown under this one's name. */
interface Read {
  file: string;
  lines: Span[][];
  missing: boolean;
}

// A window of `height` lines of a log file: its end while following (`top` null), else the lines from the byte
// offset `top`. Read from disk on every change of the file, so memory is the window whatever the log's size.
export function useLogView(file: string | null, height: number, width: number, top: number | null, active: boolean, ellipsis = '…'): LogView {
  const [read, setRead] = useState<Read | null>(null);
  useEffect(() => {
    if (!file || !active) return;
    let stopped = false;
    let lastSize = -1;
    let reading = false;
    let again = false;
    const show = (next: Read): void => {
      if (!stopped) setRead(next);
    };
    const load = async (): Promise<void> => {
      // One read at a time; changes meanwhile ask for one more.
      if (reading) return void (again = true);
      reading = true;
      try {
        const handle = await open(file, 'r').catch(() => null);
        if (!handle) {
          // Said once, not at every poll: an unchanged answer is no reason to draw again.
          if (lastSize !== MISSING) show({ file, lines: [], missing: true });
          lastSize = MISSING;
          return;
        }
        try {
          const { size } = await handle.stat();
          if (size === lastSize || stopped) return;
          lastSize = size;
          const from = top ?? (await lastPageTop(handle, size, height));
          show({ file, lines: await readPage(handle, from, height, width, size, ellipsis), missing: false });
        } finally {
          await handle.close();
        }
      } finally {
        reading = false;
        if (again && !stopped) {
          again = false;
          void load();
        }
      }
    };
    // chokidar rather than fs.watch: it watches a log not written yet (its stage has not started) through its
    // folder, so the pane fills the moment the stage starts rather than at the next poll, and it paces a flood of
    // appends to a read every 50 ms.
    const watcher = watch(file, { ignoreInitial: true, persistent: false });
    watcher.on('all', () => void load());
    watcher.on('error', () => undefined);
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      void watcher.close();
    };
  }, [file, height, width, top, active, ellipsis]);

  // Moves are chained so that quick key presses each start from where the previous one landed.
  const chain = useRef<Promise<number | null>>(Promise.resolve(top));
  const pending = useRef(0);
  if (pending.current === 0) chain.current = Promise.resolve(top);
  const page = useCallback(
    (move: PageMove): Promise<number | null> => {
      pending.current++;
      chain.current = chain.current
        .then((from) => (file ? moveTop(file, from, move, height) : null))
        .catch(() => null)
        .finally(() => pending.current--);
      return chain.current;
    },
    [file, height],
  );
  const mine = active && read !== null && read.file === file ? read : null;
  return { lines: mine?.lines ?? [], missing: mine?.missing ?? false, page };
}

async function moveTop(file: string, from: number | null, move: PageMove, height: number): Promise<number | null> {
  if (move === 'top') return 0;
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const end = await lastPageTop(handle, size, height);
    const base = from ?? end;
    if (move === 'up') return lineStartBefore(handle, base, height);
    const next = await lineStartAfter(handle, base, height, size);
    // Paging down onto the last page is following again.
    return next >= end ? null : next;
  } finally {
    await handle.close();
  }
}
