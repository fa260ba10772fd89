import { open } from 'node:fs/promises';
import { useEffect, useState } from 'react';
import { type FilterPage, readFilterPage } from '../filter-page.js';

export interface FilterSource {
  file: string | null;
  /** The counted matches' line starts. */
  offsets: readonly number[];
  top: number;
  context: number;
  height: number;
  width: number;
  active: boolean;
  ellipsis: string;
}

const NONE: FilterPage = { rows: [], shown: 0 };

// The filter view's page, read from disk at the matches' offsets: memory is the page, whatever the log's size. Read
// again when the matches it shows are counted (the count runs meanwhile) or the view moves; matches counted past
// the page change nothing on it.
export function useFilterView(source: FilterSource): FilterPage {
  const { file, offsets, top, context, height, width, active, ellipsis } = source;
  const [page, setPage] = useState<{ file: string; page: FilterPage } | null>(null);
  const visible = offsets.slice(top, top + height).join(',');
  const key = `${file}\n${top}\n${context}\n${height}\n${width}\n${visible}`;
  useEffect(() => {
    if (!file || !active) return;
    let stopped = false;
    void (async () => {
      const handle = await open(file, 'r');
      try {
        const { size } = await handle.stat();
        const read = await readFilterPage(handle, offsets, top, context, height, width, size, ellipsis);
        if (!stopped) setPage({ file, page: read });
      } finally {
        await handle.close();
      }
    })().catch(() => undefined);
    return () => {
      stopped = true;
    };
  }, [key, active]);
  // The page before a move stays up until the next is read: no blank frame between them.
  return active && page?.file === file ? page.page : NONE;
}
