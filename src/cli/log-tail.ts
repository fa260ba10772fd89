import { open } from 'node:fs/promises';
import { type Span, plainText, renderLine, renderLineTail } from '../shared/terminal-text.js';
import { stageLogPath } from '../workspace/layout.js';
import { LINE_BYTES, lastFrames } from '../workspace/log-lines.js';

/** A failed stage's last log lines shown under its failure, as the TUI's error panel shows them. */
export const FAILURE_LINES = 5;
/** Bytes read from a log's end: plenty for a few lines, and cheap to read several times a second. */
const TAIL_BYTES = LINE_BYTES;
/** pipe-tui's own lines in a stage log, before and after each attempt (docs/stage-protocol.md). */
const MARKER = '===== pipe-tui: ';
const ATTEMPT_START = /^===== pipe-tui: stage \S+, attempt \d+/;

export interface LogTail {
  /** The log's size when read: a caller that polls skips the read while it has not changed. */
  size: number;
  /** What the stage's last attempt printed, its last lines as a terminal shows them; pipe-tui's own lines left out. */
  lines: Span[][];
}

// The end of a stage's log, read from its last TAIL_BYTES only, however large the log. A log not there yet (the
// stage has not started) is no lines. Given the size of the last read, an unchanged log is not read again: null.
export async function readLogTail(
  workspace: string,
  runId: string,
  stage: { index: number; id: string },
  count: number,
  lastSize?: number,
): Promise<LogTail | null> {
  const handle = await open(stageLogPath(workspace, runId, stage), 'r').catch(() => null);
  if (!handle) return { size: 0, lines: [] };
  try {
    const { size } = await handle.stat();
    if (size === lastSize) return null;
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    // The first line read may have begun before the window: only its end is there, shown from its first `\r`
    // frame (a progress bar running for long is one line longer than the window), else left out.
    const cutLine = start > 0 ? lastFrames(lines.shift() as string) : null;
    let attempt = lines.length - 1;
    while (attempt >= 0 && !ATTEMPT_START.test(lines[attempt] as string)) attempt--;
    const own = lines.slice(attempt + 1).filter((line) => !line.startsWith(MARKER));
    const shown: Span[][] = [];
    // From the end, so a poll plays the few lines it shows, not the whole window.
    for (let i = own.length - 1; i >= -1 && shown.length < count; i--) {
      const spans = i >= 0 ? renderLine(own[i] as string) : cutLine !== null && attempt < 0 ? renderLineTail(cutLine) : [];
      if (plainText(spans).trim() !== '') shown.unshift(spans);
    }
    return { size, lines: shown };
  } finally {
    await handle.close();
  }
}
