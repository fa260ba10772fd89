import { open } from 'node:fs/promises';
import { useEffect, useState } from 'react';
import { lastPageTop } from '../../workspace/log-paging.js';
import { failureLine } from '../log-find.js';

/** How near the end of the log the failure must start for the error panel to show the log from there. */
const REACH = 200;

// Where the error panel's quote of the failed stage's log starts: at the first line that looks like the failure
// (as E finds it) when that is among the log's last 200 lines, so a traceback shows from its top; else (none, too
// far up, or already among the last `rows` lines) null, the log's end.
export function useFailureTop(file: string | null, rows: number, active: boolean): number | null {
  const [found, setFound] = useState<{ file: string; rows: number; top: number | null } | null>(null);
  useEffect(() => {
    if (!file || !active || rows <= 0) return;
    const controller = new AbortController();
    void (async () => {
      const handle = await open(file, 'r');
      try {
        const { size } = await handle.stat();
        const line = await failureLine(handle, size, await lastPageTop(handle, size, REACH), { signal: controller.signal });
        const end = await lastPageTop(handle, size, rows);
        if (!controller.signal.aborted) setFound({ file, rows, top: line && !line.wrapped && line.start < end ? line.start : null });
      } finally {
        await handle.close();
      }
    })().catch(() => undefined);
    return () => controller.abort();
  }, [file, rows, active]);
  return found?.file === file && found.rows === rows ? found.top : null;
}
