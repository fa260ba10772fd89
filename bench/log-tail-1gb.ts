// Opening the tail of a 1 GB stage log of tqdm `\r` frames in the TUI: the log pane must show the bar's last frame
// at once and hold only a window of the file in memory, even when one "line" is 100 MB of frames or the whole GB
// has no newline at all (a bar still running). The logs are made once and cached under the OS temp dir.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, link, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BenchResult, median, monotonicMs, pause, removeDeadBuilds } from './bench-helpers.js';
import { TUI_COLUMNS, TUI_ROWS, pressKey, procStatusKb, withTuiOnLog } from './tui-harness.js';
import { writeTqdmGenerator } from './tqdm-frames.js';

/** Bump when what a cached log holds changes: a new one is then made. */
const LOG_FORMAT = 2;
const CACHE = path.join(os.tmpdir(), `pipe-tui-bench-log-tail-v${LOG_FORMAT}`);
const GB = 1024 ** 3;
const OPENS = 9;
const GOAL_OPEN_MS = 100;

interface Variant {
  name: string;
  what: string;
  /** The generator's arguments (tqdm-frames.ts); the frames go to stdout. */
  args: string[];
}

// About 80 bytes a frame: 1.25 M frames make a 100 MB bar, eleven of them (each ended by `\n`) a bit over 1 GiB.
const VARIANTS: Variant[] = [
  { name: 'lines', what: 'eleven 100 MB bars, each ended by `\\n`', args: ['total=1250000', 'bars=11'] },
  { name: 'one-line', what: 'one bar, no `\\n` at all (still running)', args: ['total=20000000', `bytes=${GB}`, 'newline=0', 'desc=train'] },
  { name: 'tiny', what: 'a 200-frame bar ended by `\\n`', args: ['total=200'] },
];

interface CachedLog {
  file: string;
  bytes: number;
  frames: number;
  /** The last frame as the pane should show it. */
  last: string;
  madeS: number;
  madeNow: boolean;
}

// A log from the cache, or made now by the generator writing its stdout straight to the file in 8 MB writes
// (real bytes, no holes), renamed into place only when whole, its manifest written last.
async function cachedLog(variant: Variant): Promise<CachedLog> {
  const file = path.join(CACHE, `${variant.name}.log`);
  const manifest = path.join(CACHE, `${variant.name}.json`);
  try {
    const cached = JSON.parse(readFileSync(manifest, 'utf8')) as Omit<CachedLog, 'file' | 'madeNow'>;
    if (statSync(file).size === cached.bytes) return { ...cached, file, madeNow: false };
  } catch {
    // not made yet, or half gone: made again
  }
  await mkdir(CACHE, { recursive: true });
  rmSync(manifest, { force: true });
  removeDeadBuilds(file);
  const generator = await writeTqdmGenerator(CACHE);
  const building = `${file}.building-${process.pid}`;
  const fd = openSync(building, 'w');
  const start = monotonicMs();
  try {
    const report = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [generator, 'fd=1', 'batch=8388608', 'report=1', ...variant.args], { stdio: ['ignore', fd, 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`generator exited ${code}: ${stderr}`))));
    });
    closeSync(fd);
    const made = JSON.parse(report) as { bytes: number; frames: number; last: string };
    if (statSync(building).size !== made.bytes) throw new Error(`${building} holds ${statSync(building).size} bytes, the generator wrote ${made.bytes}`);
    renameSync(building, file);
    const entry = { bytes: made.bytes, frames: made.frames, last: made.last, madeS: (monotonicMs() - start) / 1000 };
    writeFileSync(manifest, `${JSON.stringify(entry)}\n`);
    return { ...entry, file, madeNow: true };
  } catch (error) {
    if (existsSync(building)) rmSync(building, { force: true });
    throw error;
  }
}

interface Session {
  log: CachedLog;
  opens: number[];
  rssBeforeKb: number;
  rssKb: number;
  peakKb: number;
}

// The TUI on a finished run whose last stage's log is `log` (a hard link: no copy of a GB per session): `l` opens
// the log pane, timed to the first capture showing the last frame; `l` again closes it; OPENS times, left open.
async function session(log: CachedLog): Promise<Session> {
  const placeLog = (file: string): Promise<void> => link(log.file, file).catch(() => copyFile(log.file, file));
  return withTuiOnLog('log-tail', placeLog, async (tmux, pid) => {
    const open = (s: string): boolean => s.includes('log: package');
    await pause(1000);
    const rssBeforeKb = procStatusKb(pid, 'VmRSS');
    const opens: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      if (i > 0) await pressKey(tmux, 'tui', 'l', (s) => !open(s));
      await pause(200);
      opens.push((await pressKey(tmux, 'tui', 'l', (s) => open(s) && s.includes(log.last))).ms);
    }
    await pause(500);
    return { log, opens, rssBeforeKb, rssKb: procStatusKb(pid, 'VmRSS'), peakKb: procStatusKb(pid, 'VmHWM') };
  });
}

const mb = (kb: number): number => kb / 1024;
const ms = (values: number[]): string => values.map((v) => v.toFixed(0)).join(', ');

export async function logTail1gb(): Promise<BenchResult> {
  const logs = new Map<string, CachedLog>();
  for (const variant of VARIANTS) logs.set(variant.name, await cachedLog(variant));
  const sessions = new Map<string, Session>();
  for (const variant of VARIANTS) sessions.set(variant.name, await session(logs.get(variant.name) as CachedLog));
  const lines = sessions.get('lines') as Session;
  const oneLine = sessions.get('one-line') as Session;
  const tiny = sessions.get('tiny') as Session;
  const goal = { max: GOAL_OPEN_MS, text: `≤ ${GOAL_OPEN_MS} ms` };
  return {
    name: 'log-tail-1gb',
    title: `The tail of a 1 GB log of tqdm \`\\r\` frames in the TUI: \`l\` sent through tmux → first capture showing the last frame (median of ${OPENS} opens, ${TUI_COLUMNS}×${TUI_ROWS})`,
    figures: [
      { key: 'open_ms', label: 'l → last frame, 100 MB lines', value: median(lines.opens), unit: 'ms', digits: 0, goal },
      { key: 'open_max_ms', label: 'l → last frame, 100 MB lines, slowest', value: Math.max(...lines.opens), unit: 'ms', digits: 0 },
      { key: 'open_one_line_ms', label: 'l → last frame, one 1 GB line', value: median(oneLine.opens), unit: 'ms', digits: 0, goal },
      { key: 'open_one_line_max_ms', label: 'l → last frame, one 1 GB line, slowest', value: Math.max(...oneLine.opens), unit: 'ms', digits: 0 },
      { key: 'open_tiny_ms', label: 'l → last frame, tiny log', value: median(tiny.opens), unit: 'ms', digits: 0 },
      { key: 'rss_mb', label: 'TUI RSS, pane open, 100 MB lines', value: mb(lines.rssKb), unit: 'MB', digits: 1 },
      { key: 'rss_one_line_mb', label: 'TUI RSS, pane open, one 1 GB line', value: mb(oneLine.rssKb), unit: 'MB', digits: 1 },
      { key: 'rss_tiny_mb', label: 'TUI RSS, pane open, tiny log', value: mb(tiny.rssKb), unit: 'MB', digits: 1 },
      { key: 'rss_over_tiny_mb', label: 'RSS over the tiny log, worst 1 GB variant', value: mb(Math.max(lines.rssKb, oneLine.rssKb) - tiny.rssKb), unit: 'MB', digits: 1 },
      { key: 'peak_rss_mb', label: 'TUI peak RSS (VmHWM), worst 1 GB variant', value: mb(Math.max(lines.peakKb, oneLine.peakKb)), unit: 'MB', digits: 1 },
      { key: 'peak_rss_tiny_mb', label: 'TUI peak RSS (VmHWM), tiny log', value: mb(tiny.peakKb), unit: 'MB', digits: 1 },
    ],
    notes: [
      ...VARIANTS.map((v) => {
        const s = sessions.get(v.name) as Session;
        return `${v.name}: ${v.what}, ${(s.log.bytes / GB).toFixed(3)} GiB, ${s.log.frames.toLocaleString('en-US')} frames (${s.log.madeNow ? 'made' : 'cached, made'} in ${s.log.madeS.toFixed(1)} s); opens ${ms(s.opens)} ms; RSS ${mb(s.rssBeforeKb).toFixed(1)} MB before the first l, ${mb(s.rssKb).toFixed(1)} MB after the last`;
      }),
      `each log the last stage's log of a finished run (a hard link to the cache in ${CACHE}, so the page cache holds it warm); the TUI and a daemon running; between opens l closes the pane; "last frame" = the capture shows \`log: package\` and the generator's last frame, e.g. ${JSON.stringify(oneLine.log.last)}`,
    ],
  };
}
