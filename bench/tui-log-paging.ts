import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type BenchResult, median, monotonicMs, pause } from './bench-helpers.js';
import { TUI_COLUMNS, TUI_ROWS, pressKey, procStatusKb, withTuiOnLog } from './tui-harness.js';

const LOG_BYTES = 1024 ** 3;
const PAGES = 20;
const SMALL_BYTES = 1024 ** 2;

// A stage log of about `bytes`, written a block of numbered lines at a time; returns the number of its last line.
async function writeLog(file: string, bytes: number): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let n = 0;
  let written = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`log line ${++n} of a stage that talks a lot, padded to a typical width`);
    const block = `${lines.join('\n')}\n`;
    written += Buffer.byteLength(block);
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return n;
}

const firstLogLine = (screen: string): number => Number(/log: package[^\n]*\n\s*log line (\d+)/.exec(screen)?.[1] ?? -1);

interface Session {
  lines: number;
  writeS: number;
  open: number;
  pages: number[];
  home: number;
  down: number;
  end: number;
  growthKb: number;
  peakKb: number;
}

// The TUI opened on a finished run whose last stage logged `bytes`: l, PgUp × PAGES, Home, PgDn, End.
async function session(bytes: number): Promise<Session> {
  let writeS = 0;
  const placeLog = async (file: string): Promise<number> => {
    const made = monotonicMs();
    const last = await writeLog(file, bytes);
    writeS = (monotonicMs() - made) / 1000;
    return last;
  };
  return withTuiOnLog('tui-log-paging', placeLog, async (tmux, pid, last) => {
    const press = (key: string, until: (screen: string) => boolean): Promise<{ ms: number; screen: string }> => pressKey(tmux, 'tui', key, until);
    await pause(1000);
    const before = procStatusKb(pid, 'VmRSS');
    const open = await press('l', (s) => s.includes(`log line ${last}`));
    const pages: number[] = [];
    let top = firstLogLine(open.screen);
    for (let i = 0; i < PAGES; i++) {
      const from = top;
      const up = await press('PPage', (s) => firstLogLine(s) !== from && firstLogLine(s) > 0);
      top = firstLogLine(up.screen);
      pages.push(up.ms);
    }
    const home = await press('Home', (s) => firstLogLine(s) === 1);
    const down = await press('NPage', (s) => firstLogLine(s) > 1);
    const end = await press('End', (s) => /\(following\)/.test(s) && s.includes(`log line ${last}`));
    await pause(500);
    const growthKb = procStatusKb(pid, 'VmRSS') - before;
    return { lines: last, writeS, open: open.ms, pages, home: home.ms, down: down.ms, end: end.ms, growthKb, peakKb: procStatusKb(pid, 'VmHWM') };
  });
}

export async function tuiLogPaging(): Promise<BenchResult> {
  const small = await session(SMALL_BYTES);
  const big = await session(LOG_BYTES);
  return {
    name: 'tui-log-paging',
    title: `A 1 GB stage log in the TUI: keys sent through tmux → first capture showing the new page (${TUI_COLUMNS}×${TUI_ROWS})`,
    figures: [
      { key: 'open_ms', label: 'l → log tail shown', value: big.open, unit: 'ms', digits: 0 },
      { key: 'page_up_p50_ms', label: `PgUp → page shown, p50 of ${PAGES}`, value: median(big.pages), unit: 'ms', digits: 0 },
      { key: 'page_up_max_ms', label: 'PgUp → page shown, slowest', value: Math.max(...big.pages), unit: 'ms', digits: 0 },
      { key: 'home_ms', label: 'Home → line 1 shown', value: big.home, unit: 'ms', digits: 0 },
      { key: 'page_down_ms', label: 'PgDn → next page shown', value: big.down, unit: 'ms', digits: 0 },
      { key: 'end_ms', label: 'End → following the end again', value: big.end, unit: 'ms', digits: 0 },
      { key: 'rss_growth_mb', label: 'TUI RSS growth, 1 GB log', value: big.growthKb / 1024, unit: 'MB', digits: 1 },
      { key: 'rss_growth_small_mb', label: 'TUI RSS growth, same keys on a 1 MB log', value: small.growthKb / 1024, unit: 'MB', digits: 1 },
      { key: 'peak_rss_mb', label: 'TUI peak RSS (VmHWM), 1 GB log', value: big.peakKb / 1024, unit: 'MB', digits: 1 },
    ],
    notes: [
      `a ${(LOG_BYTES / 1024 ** 3).toFixed(0)} GB log of ${big.lines.toLocaleString('en-US')} lines (written in ${big.writeS.toFixed(1)} s) as the last stage's log of a finished run; the TUI opened on it, then l, ${PAGES}× PgUp, Home, PgDn, End; RSS from /proc/PID/status before l and after End`,
      `the same keys on a ${SMALL_BYTES / 1024 ** 2} MB log of ${small.lines.toLocaleString('en-US')} lines: PgUp p50 ${median(small.pages).toFixed(0)} ms; memory that does not grow with the log's size is the point`,
    ],
  };
}
