import { open, stat } from 'node:fs/promises';
import { useEffect, useState } from 'react';

const POLL_MS = 200;
/** Bytes read per screen of log: enough for long lines, bounded whatever the file's size. */
const WINDOW_BYTES = 64 * 1024;

// The lines of a log file that fit `height`, ending `scroll` lines before its end: read from the end of the
// file on disk, so a 1 GB log costs no more memory than the window. Lines are cut to `width`, never wrapped.
export function useLogTail(file: string | null, height: number, width: number, scroll: number, active: boolean): string[] {
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    if (!file || !active) return;
    let stopped = false;
    let lastSize = -1;
    const read = async (): Promise<void> => {
      const size = await stat(file).then((s) => s.size, () => 0);
      if (size === lastSize || stopped) return;
      lastSize = size;
      const wanted = height + scroll;
      const chunk = await tail(file, size, wanted);
      if (stopped) return;
      const all = chunk.slice(Math.max(0, chunk.length - wanted), Math.max(0, chunk.length - scroll));
      setLines(all.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line)));
    };
    void read();
    const timer = setInterval(() => void read(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [file, height, width, scroll, active]);
  return active ? lines : [];
}

// The last `count` lines of the file, reading backwards a window at a time.
async function tail(file: string, size: number, count: number): Promise<string[]> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return [];
  try {
    let end = size;
    let text = '';
    while (end > 0 && text.split('\n').length <= count + 1 && size - end < 16 * WINDOW_BYTES) {
      const start = Math.max(0, end - WINDOW_BYTES);
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8') + text;
      end = start;
    }
    const lines = text.replace(/\r/g, '').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.map((l) => l.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?').replace(/\t/g, '  '));
  } finally {
    await handle.close();
  }
}
