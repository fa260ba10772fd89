// `npm run bench -- scale`: what 0, 10 000 and 100 000 finished runs (PIPE_TUI_BENCH_SCALE picks the sizes) cost
// the daemon, `ls` and the TUI, each figure measured beside an empty workspace in the same run, the two interleaved
// (empty, N, empty, N, …) so a machine that slows down or speeds up meanwhile moves both alike. The workspaces come
// from bench/scale-workspace.ts (made once, cached under the temp dir).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { type BenchResult, CLI_BIN, type Figure, cpuSeconds, makeWorkspace, median, monotonicMs, pause, percentile, removeWorkspace } from './bench-helpers.js';
import { SCALE_PIPELINE, SCALE_PIPELINE_TEXT, type ScaleWorkspace, scaleSizes, scaleWorkspace } from './scale-workspace.js';
import { HEADER, type TmuxControl, pollScreen, procStatusKb, withTmux } from './tui-harness.js';
import { indexFollowed } from '../src/workspace/run-listing.js';

/**
 * The program measured: the repository's bin/pipe-tui.js, or PIPE_TUI_BENCH_BIN (a copy of bin/ and dist/ made
 * after a build), so that a rebuild meanwhile (which deletes dist/ first) cannot break a run of many minutes.
 */
export const BIN = process.env.PIPE_TUI_BENCH_BIN ? path.resolve(process.env.PIPE_TUI_BENCH_BIN) : CLI_BIN;

/** Interleaved repetitions of each figure (empty, N, empty, N, …); medians are reported. */
const REPS = 3;
/** No figure waits longer than this: a command or a TUI that takes longer is reported as "> 60 s". */
const DEADLINE_MS = 60_000;
/** The terminal the issue names. */
const COLUMNS = 80;
const ROWS = 24;
/**
 * The newest runs that must be on screen, in order, for the runs to count as listed. The issue says the newest
 * 50; an 80×24 terminal shows 8 rows of the list (a third of the rows), fewer beside a failed run's error panel,
 * so it is the newest 5, the newest selected.
 */
const LISTED = 5;
const LIMIT = 50;
/** After the TUI has gone quiet, before RSS is read and the idle window starts. */
const SETTLE_MS = 1000;
/**
 * Quiet: the TUI's process used less than this much CPU in each of two QUIET_WINDOW_MS windows in a row. The TUI
 * draws the newest runs first and reads the rest of the index after, so RSS and idle CPU wait for that to end.
 */
const QUIET_CPU_S = 0.02;
const QUIET_WINDOW_MS = 500;
const IDLE_MS = 10_000;
const PRESSES = 50;
/** A press is sent this long after the screen showed the previous one, plus 0–JITTER ms (off the frame clock). */
const PRESS_SPACING_MS = 100;
const PRESS_JITTER_MS = 35;
const PRESS_TIMEOUT_MS = 5000;

const GOAL_RATIO = 2;
const GOAL_RSS_MB = 150;
const GOAL_DAEMON_MS = 1000;
const GOAL_LS_LIMIT_MS = 300;
const GOAL_LS_ALL_MS = 3000;
const GOAL_IDLE_CPU = 1;
const GOAL_KEY_P99_MS = 100;

/** A daemon for `ws` started by BIN as a user's command would; always stopped after `fn` (as withDaemon does). */
async function withDaemon<T>(ws: string, fn: (daemon: { pid: number }) => Promise<T>): Promise<T> {
  const started = await execa(process.execPath, [BIN, 'daemon', 'start', '--workspace', ws, '--json'], { reject: false, timeout: DEADLINE_MS });
  if (started.exitCode !== 0) throw new Error(`daemon start --workspace ${ws} exited ${started.exitCode ?? started.signal}: ${String(started.stderr).trim()}`);
  const { pid } = JSON.parse(String(started.stdout)) as { pid: number };
  try {
    return await fn({ pid });
  } finally {
    const stopped = await execa(process.execPath, [BIN, 'daemon', 'stop', '--force', '--workspace', ws], { reject: false, timeout: DEADLINE_MS });
    if (stopped.exitCode !== 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** A timed sample: null when it hit the deadline (or failed, said in the notes). */
type Sample = number | null;

interface Cli {
  ms: number;
  stdout: string;
  ok: boolean;
  timedOut: boolean;
  text: string;
}

async function cli(args: string[]): Promise<Cli> {
  const start = monotonicMs();
  const r = await execa(process.execPath, [BIN, ...args], { reject: false, timeout: DEADLINE_MS, maxBuffer: 512 * 1024 * 1024, stripFinalNewline: false });
  const ms = monotonicMs() - start;
  const ok = r.exitCode === 0 && !r.timedOut;
  const text = `$ node bin/pipe-tui.js ${args.join(' ')}\n→ exit ${r.exitCode ?? r.signal}${r.timedOut ? ' (killed at the deadline)' : ''}, ${ms.toFixed(0)} ms; stderr: ${String(r.stderr).trim().slice(0, 1500) || '(none)'}`;
  return { ms, stdout: String(r.stdout), ok, timedOut: Boolean(r.timedOut), text };
}

interface Side {
  tag: 'empty' | 'N';
  ws: string;
  /** Run ids, newest first. */
  ids: string[];
}

interface TuiSample {
  frame: Sample;
  listed: Sample;
  /** Launch until the TUI's CPU went quiet (everything read). */
  quiet: Sample;
  newestSelected: boolean;
  rssMb: number | null;
  hwmMb: number | null;
  idleCpu: number | null;
  daemonIdleCpu: number | null;
  bytesDrawn: number | null;
  presses: number[];
  pressNote: string | null;
}

const short = (runId: string): string => runId.slice(-6);
const sizeTag = (n: number): string => (n === 0 ? '0' : n % 1000 === 0 ? `${n / 1000}k` : String(n));
const has = (line: string, id: string): boolean => line.includes(` ${id} `) || line.endsWith(` ${id}`);

/** The newest runs on screen, top to bottom in that order; with none, the list's own "No runs yet". */
function listedOn(ids: string[]): (screen: string) => boolean {
  const want = ids.slice(0, LISTED).map(short);
  if (want.length === 0) return (screen) => screen.includes('No runs yet');
  return (screen) => {
    const lines = screen.split('\n');
    let previous = -1;
    for (const id of want) {
      const at = lines.findIndex((l) => has(l, id));
      if (at <= previous) return false;
      previous = at;
    }
    return true;
  };
}

const selected = (id: string) => (screen: string): boolean => screen.split('\n').some((l) => (l.startsWith('› ') || l.startsWith('> ')) && has(l, short(id)));

async function pollOrNull(tmux: TmuxControl, target: string, check: (screen: string) => boolean, timeoutMs: number, intervalMs: number): Promise<{ at: number; screen: string } | null> {
  if (timeoutMs <= 0) return null;
  try {
    return await pollScreen(tmux, target, check, { timeoutMs, intervalMs });
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('timed out')) return null;
    throw error;
  }
}

/** The TUI launched as a user would, at 80×24; returns its node process's pid. */
async function launch(tmux: TmuxControl, name: string, ws: string): Promise<number> {
  await tmux.newSession(name, [process.execPath, BIN, '--workspace', ws], { columns: COLUMNS, rows: ROWS });
  const pid = await tmux.panePid(name);
  const deadline = monotonicMs() + 5000;
  for (;;) {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(BIN)) return pid;
    if (monotonicMs() > deadline) throw new Error(`pane ${name}'s process ${pid} is not the TUI`);
    await pause(1);
  }
}

async function closeTui(tmux: TmuxControl, name: string, pid: number): Promise<void> {
  await tmux.killSession(name);
  const deadline = monotonicMs() + 5000;
  while (existsSync(`/proc/${pid}`) && monotonicMs() < deadline) await pause(20);
  if (existsSync(`/proc/${pid}`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await pause(200);
}

/** One TUI launch: first frame, runs listed, RSS, idle CPU, then `j` presses (where there are runs to move to). */
async function tuiSession(tmux: TmuxControl, name: string, side: Side, daemonPid: number, scratch: string, notes: string[]): Promise<TuiSample> {
  const sample: TuiSample = { frame: null, listed: null, quiet: null, newestSelected: false, rssMb: null, hwmMb: null, idleCpu: null, daemonIdleCpu: null, bytesDrawn: null, presses: [], pressNote: null };
  const start = monotonicMs();
  const pid = await launch(tmux, name, side.ws);
  try {
    const left = (): number => start + DEADLINE_MS - monotonicMs();
    const frame = await pollOrNull(tmux, name, (s) => HEADER.test(s), left(), 2);
    if (frame) sample.frame = frame.at - start;
    const listed = frame ? await pollOrNull(tmux, name, listedOn(side.ids), left(), 10) : null;
    if (listed) sample.listed = listed.at - start;
    else notes.push(`${name} (${side.tag}, ${side.ids.length} runs): the newest runs were not on screen ${DEADLINE_MS / 1000} s after launch; last screen:\n${(await tmux.capture(name)).trimEnd()}`);
    const first = side.ids[0];
    sample.newestSelected = listed !== null && first !== undefined && selected(first)(listed.screen);

    // Quiet: two windows in a row of (almost) no CPU; the deadline counts from the listing (or the launch).
    const quietDeadline = (listed ? listed.at : start) + DEADLINE_MS;
    let quietRuns = 0;
    while (existsSync(`/proc/${pid}`) && monotonicMs() < quietDeadline) {
      const before = cpuSeconds(pid);
      await pause(QUIET_WINDOW_MS);
      quietRuns = cpuSeconds(pid) - before < QUIET_CPU_S ? quietRuns + 1 : 0;
      if (quietRuns === 2) {
        sample.quiet = monotonicMs() - 2 * QUIET_WINDOW_MS - start;
        break;
      }
    }
    if (sample.quiet === null) notes.push(`${name} (${side.tag}): the TUI's CPU never went quiet within ${DEADLINE_MS / 1000} s of listing: RSS and "idle" CPU read while it works`);
    await pause(SETTLE_MS);
    if (!existsSync(`/proc/${pid}`)) {
      notes.push(`${name} (${side.tag}): the TUI exited; last screen:\n${(await tmux.capture(name)).trimEnd()}`);
      return sample;
    }
    sample.rssMb = procStatusKb(pid, 'VmRSS') / 1024;
    sample.hwmMb = procStatusKb(pid, 'VmHWM') / 1024;

    const drawn = path.join(scratch, `${name}-idle.bin`);
    await tmux.command('pipe-pane', '-t', name, `cat > ${drawn}`);
    const tuiBefore = cpuSeconds(pid);
    const daemonBefore = cpuSeconds(daemonPid);
    const idleStart = monotonicMs();
    await pause(IDLE_MS);
    const seconds = (monotonicMs() - idleStart) / 1000;
    sample.idleCpu = ((cpuSeconds(pid) - tuiBefore) / seconds) * 100;
    sample.daemonIdleCpu = ((cpuSeconds(daemonPid) - daemonBefore) / seconds) * 100;
    await tmux.command('pipe-pane', '-t', name);
    await pause(50);
    sample.bytesDrawn = existsSync(drawn) ? statSync(drawn).size : 0;

    // `j` moves the selection one run down (older): timed from just before send-keys to the first capture whose
    // marked (selected) row is the next run's.
    const presses = Math.min(PRESSES, side.ids.length - 1);
    if (presses > 0 && listed) {
      const screen = await tmux.capture(name);
      if (!selected(side.ids[0] as string)(screen)) {
        sample.pressNote = `${name}: the newest run was not selected before the presses; none made`;
      } else {
        const phaseEnd = monotonicMs() + DEADLINE_MS;
        for (let i = 1; i <= presses; i++) {
          await pause(PRESS_SPACING_MS + Math.random() * PRESS_JITTER_MS);
          if (monotonicMs() > phaseEnd) {
            sample.pressNote = `${name}: presses stopped at the ${DEADLINE_MS / 1000} s deadline after ${i - 1}`;
            break;
          }
          const sent = monotonicMs();
          await tmux.command('send-keys', '-t', name, 'j');
          const seen = await pollOrNull(tmux, name, selected(side.ids[i] as string), PRESS_TIMEOUT_MS, 2);
          if (!seen) {
            sample.presses.push(PRESS_TIMEOUT_MS);
            sample.pressNote = `${name}: press ${i} did not move the selection to ${short(side.ids[i] as string)} within ${PRESS_TIMEOUT_MS / 1000} s (counted as ${PRESS_TIMEOUT_MS} ms; presses stopped); screen:\n${(await tmux.capture(name)).trimEnd()}`;
            break;
          }
          sample.presses.push(seen.at - sent);
        }
      }
    }
    return sample;
  } finally {
    await closeTui(tmux, name, pid);
  }
}

/** The median of samples, a deadline hit counted as the deadline; and how many hit it. */
function medianOf(samples: Sample[]): { value: number; over: number } {
  const over = samples.filter((s) => s === null).length;
  return { value: median(samples.map((s) => s ?? DEADLINE_MS)), over };
}

const list = (samples: Sample[], digits = 0): string => samples.map((s) => (s === null ? `>${DEADLINE_MS / 1000}s` : s.toFixed(digits))).join(', ');

interface SizeResult {
  figures: Figure[];
  notes: string[];
}

async function measureSize(scale: ScaleWorkspace, empty: string, log: (t: string) => void): Promise<SizeResult> {
  const S = sizeTag(scale.size);
  const N = scale.size.toLocaleString('en-US');
  const sides: Side[] = [
    { tag: 'empty', ws: empty, ids: [] },
    { tag: 'N', ws: scale.ws, ids: scale.ids },
  ];
  const notes: string[] = [];
  const failures: string[] = [];
  const put = <T>(m: Record<'empty' | 'N', T[]>, side: Side, v: T): void => {
    m[side.tag].push(v);
  };
  const pair = <T>(): Record<'empty' | 'N', T[]> => ({ empty: [], N: [] });

  // ---- the daemon: `daemon start` until it returns (the daemon answers), then `daemon stop` ----
  log(`${S}: daemon start/stop`);
  const starts = pair<Sample>();
  const stops = pair<Sample>();
  const startStop = async (side: Side, record: boolean): Promise<void> => {
    const started = await cli(['daemon', 'start', '--workspace', side.ws]);
    if (!started.ok) failures.push(started.text);
    const stopped = await cli(['daemon', 'stop', '--workspace', side.ws]);
    if (!stopped.ok) {
      failures.push(stopped.text);
      const forced = await cli(['daemon', 'stop', '--force', '--workspace', side.ws]);
      if (!forced.ok) failures.push(forced.text);
    }
    if (record) {
      put(starts, side, started.ok ? started.ms : null);
      put(stops, side, stopped.ok ? stopped.ms : null);
    }
  };
  for (const side of sides) await startStop(side, false); // not counted: the page cache, and the empty one's first index
  for (let rep = 0; rep < REPS; rep++) for (const side of sides) await startStop(side, true);

  // ---- ls, no daemon running (runs/ is read for which runs are newest: folders may have been added by hand) ----
  log(`${S}: ls --json`);
  const lsLimit = pair<Sample>();
  const lsAll = pair<Sample>();
  const lsFollowed = pair<Sample>();
  let allBytes = 0;
  const ls = async (side: Side, args: string[], expected: number, record: Sample[] | null): Promise<void> => {
    const r = await cli(['ls', '--json', ...args, '--workspace', side.ws]);
    let ok = r.ok;
    if (ok) {
      try {
        const listed = JSON.parse(r.stdout) as unknown[];
        if (!Array.isArray(listed) || listed.length !== expected) {
          ok = false;
          failures.push(`${r.text}\n→ listed ${Array.isArray(listed) ? listed.length : 'no array'}, expected ${expected}`);
        }
      } catch (error) {
        ok = false;
        failures.push(`${r.text}\n→ stdout is not JSON: ${String(error)}`);
      }
      if (args.length === 0 && side.tag === 'N') allBytes = Buffer.byteLength(r.stdout);
    } else {
      failures.push(r.text);
    }
    record?.push(ok ? r.ms : null);
  };
  for (const side of sides) {
    await ls(side, ['--limit', String(LIMIT)], Math.min(LIMIT, side.ids.length), null);
    await ls(side, [], side.ids.length, null);
  }
  for (let rep = 0; rep < REPS; rep++) {
    for (const side of sides) {
      await pause();
      await ls(side, ['--limit', String(LIMIT)], Math.min(LIMIT, side.ids.length), lsLimit[side.tag]);
      await pause();
      await ls(side, [], side.ids.length, lsAll[side.tag]);
    }
  }

  // ---- the TUI, both daemons running ----
  log(`${S}: TUI`);
  const tui = pair<TuiSample>();
  const daemonRss = { start: Number.NaN, end: Number.NaN, empty: Number.NaN };
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-bench-scale-tui-'));
  try {
    await withDaemon(empty, (emptyDaemon) =>
      withDaemon(scale.ws, (nDaemon) =>
        withTmux(`scale-${S}`, async (tmux) => {
          const daemonOf = (side: Side): number => (side.tag === 'empty' ? emptyDaemon.pid : nDaemon.pid);
          daemonRss.start = procStatusKb(nDaemon.pid, 'VmRSS') / 1024;
          // ls again, now that a daemon keeps each index in step with runs/: the newest runs come from the index alone.
          for (const side of sides) {
            const until = monotonicMs() + DEADLINE_MS;
            while (!indexFollowed(side.ws) && monotonicMs() < until) await pause(50);
            if (!indexFollowed(side.ws)) failures.push(`${side.tag}: the daemon did not write runs.followed within ${DEADLINE_MS / 1000} s`);
            await ls(side, ['--limit', String(LIMIT)], Math.min(LIMIT, side.ids.length), null);
          }
          for (let rep = 0; rep < REPS; rep++) {
            for (const side of sides) {
              await pause();
              await ls(side, ['--limit', String(LIMIT)], Math.min(LIMIT, side.ids.length), lsFollowed[side.tag]);
            }
          }
          // Not counted: node, the bundle and the workspace's files into the page cache.
          for (const side of sides) {
            const pid = await launch(tmux, `warm-${side.tag}`, side.ws);
            await pollOrNull(tmux, `warm-${side.tag}`, (s) => HEADER.test(s), DEADLINE_MS, 10);
            await pause(500);
            await closeTui(tmux, `warm-${side.tag}`, pid);
          }
          for (let rep = 0; rep < REPS; rep++) {
            for (const side of sides) {
              const name = `${side.tag === 'empty' ? 'e' : 'n'}${rep}`;
              log(`${S}: TUI ${name}`);
              const s = await tuiSession(tmux, name, side, daemonOf(side), scratch, notes);
              put(tui, side, s);
              if (s.pressNote) notes.push(s.pressNote);
            }
          }
          daemonRss.end = procStatusKb(nDaemon.pid, 'VmRSS') / 1024;
          daemonRss.empty = procStatusKb(emptyDaemon.pid, 'VmRSS') / 1024;
        }),
      ),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  // ---- figures ----
  const figures: Figure[] = [];
  const timedFigure = (key: string, label: string, samples: Sample[], goal?: { max: number; text: string }): number => {
    const { value, over } = medianOf(samples);
    const suffix = over ? ` (${over} of ${samples.length} > ${DEADLINE_MS / 1000} s)` : '';
    figures.push({ key, label: `${label}${suffix}`, value, unit: 'ms', digits: 0, ...(goal ? { goal } : {}) });
    return value;
  };
  const ratioFigure = (key: string, label: string, n: number, e: number): void => {
    figures.push({ key, label, value: n / e, unit: '×', digits: 2, goal: { max: GOAL_RATIO, text: `≤ ${GOAL_RATIO}×` } });
  };
  const mb = (samples: (number | null)[]): number => {
    const known = samples.filter((s): s is number => s !== null);
    return known.length ? median(known) : Number.NaN;
  };

  timedFigure(`n${S}_daemon_start_ms`, `${S}: daemon start → ready`, starts.N, { max: GOAL_DAEMON_MS, text: `≤ ${GOAL_DAEMON_MS} ms` });
  timedFigure(`n${S}_empty_daemon_start_ms`, `${S} · empty: daemon start → ready`, starts.empty);
  timedFigure(`n${S}_daemon_stop_ms`, `${S}: daemon stop`, stops.N);
  timedFigure(`n${S}_empty_daemon_stop_ms`, `${S} · empty: daemon stop`, stops.empty);
  timedFigure(`n${S}_ls_limit_ms`, `${S}: ls --json --limit ${LIMIT} (daemon running)`, lsFollowed.N, { max: GOAL_LS_LIMIT_MS, text: `≤ ${GOAL_LS_LIMIT_MS} ms` });
  timedFigure(`n${S}_empty_ls_limit_ms`, `${S} · empty: ls --json --limit ${LIMIT} (daemon running)`, lsFollowed.empty);
  timedFigure(`n${S}_ls_limit_nodaemon_ms`, `${S}: ls --json --limit ${LIMIT} (no daemon: runs/ read)`, lsLimit.N);
  timedFigure(`n${S}_empty_ls_limit_nodaemon_ms`, `${S} · empty: ls --json --limit ${LIMIT} (no daemon)`, lsLimit.empty);
  timedFigure(`n${S}_ls_all_ms`, `${S}: ls --json (all)`, lsAll.N, { max: GOAL_LS_ALL_MS, text: `≤ ${GOAL_LS_ALL_MS} ms` });
  timedFigure(`n${S}_empty_ls_all_ms`, `${S} · empty: ls --json (all)`, lsAll.empty);

  const frameN = timedFigure(`n${S}_tui_frame_ms`, `${S}: TUI launch → first frame`, tui.N.map((t) => t.frame));
  const frameE = timedFigure(`n${S}_empty_tui_frame_ms`, `${S} · empty: TUI launch → first frame`, tui.empty.map((t) => t.frame));
  ratioFigure(`n${S}_tui_frame_ratio`, `${S}: TUI first frame / empty`, frameN, frameE);
  const listedN = timedFigure(`n${S}_tui_listed_ms`, `${S}: TUI launch → newest runs listed`, tui.N.map((t) => t.listed));
  const listedE = timedFigure(`n${S}_empty_tui_listed_ms`, `${S} · empty: TUI launch → list shown`, tui.empty.map((t) => t.listed));
  ratioFigure(`n${S}_tui_listed_ratio`, `${S}: TUI listed / empty`, listedN, listedE);

  timedFigure(`n${S}_tui_quiet_ms`, `${S}: TUI launch → CPU quiet (all read)`, tui.N.map((t) => t.quiet));
  timedFigure(`n${S}_empty_tui_quiet_ms`, `${S} · empty: TUI launch → CPU quiet`, tui.empty.map((t) => t.quiet));
  const rssLabel = (side: TuiSample[]): string => (side.some((t) => t.listed === null || t.quiet === null) ? ' (some read while not listed or busy)' : '');
  figures.push({ key: `n${S}_tui_rss_mb`, label: `${S}: TUI RSS, all read${rssLabel(tui.N)}`, value: mb(tui.N.map((t) => t.rssMb)), unit: 'MB', digits: 1, goal: { max: GOAL_RSS_MB, text: `≤ ${GOAL_RSS_MB} MB` } });
  figures.push({ key: `n${S}_empty_tui_rss_mb`, label: `${S} · empty: TUI RSS`, value: mb(tui.empty.map((t) => t.rssMb)), unit: 'MB', digits: 1 });
  figures.push({ key: `n${S}_tui_peak_rss_mb`, label: `${S}: TUI peak RSS (VmHWM)`, value: mb(tui.N.map((t) => t.hwmMb)), unit: 'MB', digits: 1 });
  figures.push({ key: `n${S}_tui_idle_cpu_percent`, label: `${S}: TUI idle CPU over ${IDLE_MS / 1000} s${tui.N.some((t) => t.quiet === null) ? ' (some never quiet)' : ''}`, value: mb(tui.N.map((t) => t.idleCpu)), unit: '%', digits: 2, goal: { max: GOAL_IDLE_CPU, text: `≤ ${GOAL_IDLE_CPU} %` } });
  figures.push({ key: `n${S}_empty_tui_idle_cpu_percent`, label: `${S} · empty: TUI idle CPU`, value: mb(tui.empty.map((t) => t.idleCpu)), unit: '%', digits: 2 });
  figures.push({ key: `n${S}_daemon_rss_mb`, label: `${S}: daemon RSS after the TUI launches`, value: daemonRss.end, unit: 'MB', digits: 1 });
  figures.push({ key: `n${S}_empty_daemon_rss_mb`, label: `${S} · empty: daemon RSS`, value: daemonRss.empty, unit: 'MB', digits: 1 });
  const presses = tui.N.flatMap((t) => t.presses);
  if (presses.length > 0) {
    figures.push({ key: `n${S}_key_j_p50_ms`, label: `${S}: \`j\` → selection moved, p50`, value: percentile(presses, 50), unit: 'ms', digits: 1 });
    figures.push({ key: `n${S}_key_j_p99_ms`, label: `${S}: \`j\` → selection moved, p99 (${presses.length} presses)`, value: percentile(presses, 99), unit: 'ms', digits: 1, goal: { max: GOAL_KEY_P99_MS, text: `≤ ${GOAL_KEY_P99_MS} ms` } });
  }

  // ---- notes ----
  notes.unshift(
    `${S}: ${N} runs (${scale.failed.toLocaleString('en-US')} failed) in ${scale.ws}, ${scale.madeNow ? 'made by this run' : 'from the cache, made'} in ${scale.madeSeconds.toFixed(1)} s`,
    `${S}: daemon start ms — N ${list(starts.N)}; empty ${list(starts.empty)}. stop — N ${list(stops.N)}; empty ${list(stops.empty)}`,
    `${S}: ls --limit ${LIMIT} ms, daemon running — N ${list(lsFollowed.N)}; empty ${list(lsFollowed.empty)}; no daemon — N ${list(lsLimit.N)}; empty ${list(lsLimit.empty)}. ls all — N ${list(lsAll.N)}; empty ${list(lsAll.empty)}${allBytes ? ` (${(allBytes / 1024 / 1024).toFixed(1)} MB of JSON)` : ''}`,
    `${S}: TUI first frame ms — N ${list(tui.N.map((t) => t.frame))}; empty ${list(tui.empty.map((t) => t.frame))}. listed — N ${list(tui.N.map((t) => t.listed))}; empty ${list(tui.empty.map((t) => t.listed))}. CPU quiet — N ${list(tui.N.map((t) => t.quiet))}; empty ${list(tui.empty.map((t) => t.quiet))}; newest selected when listed: ${scale.size === 0 ? 'n/a (no runs)' : tui.N.map((t) => (t.newestSelected ? 'yes' : 'no')).join(', ')}`,
    `${S}: daemon RSS ${daemonRss.start.toFixed(1)} MB before the TUI launches, ${daemonRss.end.toFixed(1)} MB after (empty: ${daemonRss.empty.toFixed(1)} MB)`,
    `${S}: TUI RSS MB — N ${tui.N.map((t) => t.rssMb?.toFixed(1) ?? '-').join(', ')} (peak ${tui.N.map((t) => t.hwmMb?.toFixed(1) ?? '-').join(', ')}); empty ${tui.empty.map((t) => t.rssMb?.toFixed(1) ?? '-').join(', ')}. idle CPU % — N ${tui.N.map((t) => t.idleCpu?.toFixed(2) ?? '-').join(', ')} (daemon ${tui.N.map((t) => t.daemonIdleCpu?.toFixed(2) ?? '-').join(', ')}; bytes drawn ${tui.N.map((t) => t.bytesDrawn ?? '-').join(', ')}); empty ${tui.empty.map((t) => t.idleCpu?.toFixed(2) ?? '-').join(', ')} (bytes drawn ${tui.empty.map((t) => t.bytesDrawn ?? '-').join(', ')})`,
    presses.length
      ? `${S}: \`j\` ms — p50 ${percentile(presses, 50).toFixed(1)}, p90 ${percentile(presses, 90).toFixed(1)}, p99 ${percentile(presses, 99).toFixed(1)}, max ${Math.max(...presses).toFixed(1)} over ${presses.length} presses (${tui.N.map((t) => t.presses.length).join(' + ')}); the empty workspace has no run to move to`
      : `${S}: \`j\` not measured (${scale.size < 2 ? 'fewer than 2 runs' : 'the runs were never listed, or the newest was not selected'})`,
  );
  for (const f of failures) notes.push(`${S}: FAILED ${f}`);
  return { figures, notes };
}

export async function scale(): Promise<BenchResult> {
  const sizes = scaleSizes();
  const log = (t: string): void => {
    if (process.env.PIPE_TUI_BENCH_QUIET !== '1') process.stderr.write(`  [scale] ${t}\n`);
  };
  const loadBefore = os.loadavg();
  const wall = monotonicMs();
  const empty = await makeWorkspace('scale-empty');
  try {
    await writeFile(path.join(empty, 'pipelines', `${SCALE_PIPELINE}.yaml`), SCALE_PIPELINE_TEXT);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const made: string[] = [];
    for (const size of sizes) {
      const ws = await scaleWorkspace(size, log);
      made.push(`${size.toLocaleString('en-US')}: ${ws.madeNow ? 'made now' : 'cached'} (${ws.madeSeconds.toFixed(1)} s to make)`);
      const r = await measureSize(ws, empty, log);
      figures.push(...r.figures);
      notes.push(...r.notes);
    }
    const loadAfter = os.loadavg();
    notes.unshift(
      `program measured: ${BIN}${BIN === CLI_BIN ? '' : ' (PIPE_TUI_BENCH_BIN)'}; sizes ${sizes.join(', ')} (PIPE_TUI_BENCH_SCALE); workspaces ${made.join('; ')}; each beside one empty workspace (the pipeline file, no runs), interleaved empty, N × ${REPS} after one pass of each not counted; medians`,
      `daemon: \`daemon start --workspace W\` spawn to exit (it returns once the daemon answers), then \`daemon stop\`; ls: spawn to exit of \`ls --json [--limit ${LIMIT}]\` with stdout read whole and its count checked, with no daemon running and (--limit) again once both daemons run and have written runs.followed; TUI: the built binary in a ${COLUMNS}×${ROWS} tmux pane (both workspaces' daemons running), "first frame" = \`pipe-tui · \` on screen, "listed" = the newest ${LISTED} runs' short ids on screen in order (the empty workspace: "No runs yet"), then "CPU quiet" = the TUI's process used < ${QUIET_CPU_S * 1000} ms of CPU in each of two ${QUIET_WINDOW_MS} ms windows in a row (it reads the rest of the index after drawing the newest runs), RSS ${SETTLE_MS / 1000} s after that, idle CPU over the next ${IDLE_MS / 1000} s, then up to ${PRESSES} presses of \`j\` each timed from send-keys to the capture whose marked row is the next run; every wait has a ${DEADLINE_MS / 1000} s deadline, a sample hitting it counts as ${DEADLINE_MS / 1000} s`,
      `load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} at the start, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} at the end, ${os.cpus().length} CPUs: on a loaded machine every figure is inflated; the empty workspace beside each is the yardstick; ${((monotonicMs() - wall) / 1000).toFixed(0)} s in all`,
    );
    return { name: 'scale', title: `Scale: ${sizes.map((s) => s.toLocaleString('en-US')).join(' / ')} finished runs, each beside an empty workspace (medians of ${REPS}, interleaved)`, figures, notes };
  } finally {
    await removeWorkspace(empty);
  }
}
