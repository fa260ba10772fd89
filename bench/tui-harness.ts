// What the TUI benchmarks share: a private tmux server driven through one control-mode client, the TUI launched
// in its panes as a user would, and run folders made in bulk. Not a benchmark itself.
import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { newRunId } from '../src/daemon/engine/run-id.js';
import { CLI_BIN, REPO_ROOT, monotonicMs, pause, withDaemon, withWorkspace } from './bench-helpers.js';

/** The terminal the TUI gets: wider than 80×24 so a stage row's message is not cut. */
export const TUI_COLUMNS = 120;
export const TUI_ROWS = 32;
/** The header of every frame, and the footer's indicator once the feed is up. */
export const HEADER = /pipe-tui · /;
export const LIVE = /● live/;

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'runs', 'v1', 'metadata.json');

/** Quotes one argument for tmux's command parser: single quotes, inside which nothing is special. */
function tmuxQuote(arg: string): string {
  if (arg.includes("'")) throw new Error(`tmux argument with a single quote: ${arg}`);
  return `'${arg}'`;
}

interface Pending {
  resolve: (body: string) => void;
  reject: (error: Error) => void;
}

/**
 * A private tmux server (`tmux -L`, no config file) and one client attached to it in control mode (`tmux -C`):
 * commands go in on its stdin and each answer comes back between `%begin` and `%end`. One `capture-pane` so costs
 * a round trip on a pipe (a fraction of a millisecond) instead of starting a tmux process (tens of ms on a slow
 * machine), so the screen can be polled every couple of milliseconds. The control client sits in a session of its
 * own, so it neither sizes nor watches the sessions the TUI runs in.
 */
export class TmuxControl {
  private buffer = '';
  private block: { head: string; lines: string[] } | null = null;
  private readonly pending: Pending[] = [];
  private ready = false;
  private onReady: (() => void) | null = null;
  private exited = false;
  /** The server's socket file, which tmux leaves behind when it exits. */
  private socketPath: string | null = null;
  /** Captures taken and their summed round trip. */
  captures = 0;
  captureMs = 0;

  private constructor(
    readonly socket: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {}

  static async start(tag: string): Promise<TmuxControl> {
    const socket = `pipe-tui-bench-${process.pid}-${tag}`;
    const child = spawn('tmux', ['-u', '-f', '/dev/null', '-L', socket, '-C', 'new-session', '-s', 'control', '-x', '80', '-y', '24', 'cat'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const control = new TmuxControl(socket, child);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr += s;
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => control.receive(s));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (e) => reject(new Error(`tmux could not start (is it installed?): ${e.message}`)));
      child.once('exit', (code) => {
        control.exited = true;
        const error = new Error(`tmux control client exited ${code}: ${stderr.trim()}`);
        for (const p of control.pending.splice(0)) p.reject(error);
        reject(error);
      });
    });
    failed.catch(() => undefined);
    // Answers to anything before this (the new-session itself) are dropped until the sentinel comes back.
    const ready = new Promise<void>((resolve) => {
      control.onReady = resolve;
    });
    child.stdin.write('display-message -p pipe-tui-bench-ready\n');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`tmux control client not ready after 10 s: ${stderr.trim()}`)), 10_000);
    });
    try {
      await Promise.race([ready, failed, timeout]);
      control.socketPath = (await control.command('display-message', '-p', '#{socket_path}')).trim();
    } catch (error) {
      await control.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return control;
  }

  private receive(text: string): void {
    this.buffer += text;
    let at = this.buffer.indexOf('\n');
    while (at >= 0) {
      const line = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 1);
      this.line(line);
      at = this.buffer.indexOf('\n');
    }
  }

  private line(line: string): void {
    if (this.block) {
      const rest = this.block.head;
      if (line === `%end ${rest}` || line === `%error ${rest}`) {
        const body = this.block.lines.join('\n');
        this.block = null;
        this.answer(body, line.startsWith('%error'));
      } else {
        this.block.lines.push(line);
      }
    } else if (line.startsWith('%begin ')) {
      this.block = { head: line.slice('%begin '.length), lines: [] };
    }
    // Anything else is a notification (%output, %session-changed, …): not ours.
  }

  private answer(body: string, error: boolean): void {
    if (!this.ready) {
      if (body === 'pipe-tui-bench-ready') {
        this.ready = true;
        this.onReady?.();
      }
      return;
    }
    const p = this.pending.shift();
    if (!p) return;
    if (error) p.reject(new Error(`tmux: ${body}`));
    else p.resolve(body);
  }

  /** One tmux command, its arguments quoted; resolves with its output. */
  command(...args: string[]): Promise<string> {
    if (this.exited) return Promise.reject(new Error('tmux control client has exited'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${args.map(tmuxQuote).join(' ')}\n`);
    });
  }

  /** The visible screen of a session's pane, as text. */
  async capture(target: string): Promise<string> {
    const start = performance.now();
    const screen = await this.command('capture-pane', '-p', '-t', target);
    this.captureMs += performance.now() - start;
    this.captures++;
    return screen;
  }

  /** A detached session running `argv` directly (no shell in between), so the pane's pid is argv's process. */
  async newSession(name: string, argv: string[], size = { columns: TUI_COLUMNS, rows: TUI_ROWS }): Promise<void> {
    await this.command('new-session', '-d', '-s', name, '-x', String(size.columns), '-y', String(size.rows), ...argv);
  }

  async panePid(target: string): Promise<number> {
    const pid = Number((await this.command('list-panes', '-t', target, '-F', '#{pane_pid}')).trim().split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pane pid for ${target}`);
    return pid;
  }

  async killSession(name: string): Promise<void> {
    await this.command('kill-session', '-t', name).catch(() => undefined);
  }

  /** Kills the server (and every pane in it) and waits for the control client to go. */
  async close(): Promise<void> {
    if (!this.exited) {
      let timer: NodeJS.Timeout | undefined;
      const gone = new Promise<void>((resolve) => {
        this.child.once('exit', () => resolve());
        timer = setTimeout(resolve, 3000);
      });
      this.child.stdin.write('kill-server\n');
      await gone;
      clearTimeout(timer);
    }
    if (!this.exited && this.child.pid) {
      // The control client hung: kill it, and the server through an ordinary client.
      try {
        this.child.kill('SIGKILL');
      } catch {
        // gone
      }
      try {
        execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore', timeout: 3000 });
      } catch {
        // no server left
      }
    }
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }

  /** The cost this machine charges for a `tmux capture-pane` started as a process, for the notes. */
  async processCaptureMs(target: string, times = 10): Promise<number> {
    const start = performance.now();
    for (let i = 0; i < times; i++) {
      await new Promise<void>((resolve, reject) =>
        execFile('tmux', ['-L', this.socket, 'capture-pane', '-p', '-t', target], (error) => (error ? reject(error) : resolve())),
      );
    }
    return (performance.now() - start) / times;
  }
}

/** Runs `fn` with a fresh private tmux server, always killed after. */
export async function withTmux<T>(tag: string, fn: (tmux: TmuxControl) => Promise<T>): Promise<T> {
  const tmux = await TmuxControl.start(tag);
  try {
    return await fn(tmux);
  } finally {
    await tmux.close();
  }
}

export interface Seen {
  screen: string;
  /** CLOCK_MONOTONIC ms when the capture that first showed it came back. */
  at: number;
  polls: number;
}

/**
 * Captures `target` every `intervalMs` (one capture at a time, back to back when a capture takes longer) until
 * the screen matches `pattern`; fails with the last screen.
 */
export async function pollScreen(tmux: TmuxControl, target: string, pattern: RegExp | ((screen: string) => boolean), options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<Seen> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 2;
  const deadline = monotonicMs() + timeoutMs;
  let polls = 0;
  let screen = '';
  for (;;) {
    const start = monotonicMs();
    screen = await tmux.capture(target);
    const at = monotonicMs();
    polls++;
    if (typeof pattern === 'function' ? pattern(screen) : pattern.test(screen)) return { screen, at, polls };
    if (at > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the screen to show ${pattern}\n--- last screen ---\n${screen}`);
    const wait = start + intervalMs - monotonicMs();
    if (wait > 0) await pause(wait);
  }
}

/** A key sent to `target`, timed from send-keys to the first capture for which `until` holds. */
export async function pressKey(tmux: TmuxControl, target: string, key: string, until: (screen: string) => boolean, timeoutMs = 10_000): Promise<{ ms: number; screen: string }> {
  const start = monotonicMs();
  await tmux.command('send-keys', '-t', target, key);
  const seen = await pollScreen(tmux, target, until, { timeoutMs, intervalMs: 2 });
  return { ms: seen.at - start, screen: seen.screen };
}

/** The TUI as a user starts it: the built binary, no command. */
export const tuiArgv = (ws: string): string[] => [process.execPath, CLI_BIN, '--workspace', ws];

/** Launches the TUI in a new session and returns its node process's pid (checked to be the TUI). */
export async function launchTui(tmux: TmuxControl, name: string, ws: string): Promise<number> {
  await tmux.newSession(name, tuiArgv(ws));
  const pid = await tmux.panePid(name);
  // Until the pane's child has exec'd node, its command line is still the tmux server's it was forked from.
  const deadline = monotonicMs() + 5000;
  for (;;) {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(CLI_BIN)) return pid;
    if (monotonicMs() > deadline) throw new Error(`pane ${name}'s process ${pid} is not the TUI: ${cmdline.replace(/\0/g, ' ')}`);
    await pause(1);
  }
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM), Linux only. */
export function procStatusKb(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

function shiftTimes(value: unknown, deltaMs: number): unknown {
  if (typeof value === 'string') return ISO.test(value) ? new Date(Date.parse(value) + deltaMs).toISOString() : value;
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, deltaMs));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftTimes(v, deltaMs)]));
  return value;
}

/**
 * `count` finished runs in runs/, made from the v1 fixture (a succeeded five-stage run with entities): each gets a
 * run id of its own and its times moved so it was created `spacingMs` before the next, the newest an hour ago.
 * Only metadata.json is written, which is all `ls` and the runs list read. Returns the ids, newest first.
 */
export async function writeFinishedRuns(ws: string, count: number, spacingMs = 60_000): Promise<string[]> {
  const fixture = JSON.parse(await readFile(FIXTURE, 'utf8')) as { created_at: string };
  const created = Date.parse(fixture.created_at);
  const newest = Date.now() - 3_600_000;
  const ids: string[] = [];
  const batch = 100;
  for (let first = 0; first < count; first += batch) {
    const writes: Promise<void>[] = [];
    for (let i = first; i < Math.min(count, first + batch); i++) {
      const at = newest - i * spacingMs;
      const runId = newRunId(new Date(at));
      ids.push(runId);
      const metadata = { ...(shiftTimes(fixture, at - created) as object), run_id: runId };
      const dir = path.join(ws, 'runs', runId);
      writes.push(mkdir(dir, { recursive: true }).then(() => writeFile(path.join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`)));
    }
    await Promise.all(writes);
  }
  return ids;
}

/** The last stage's log of the run `writeFinishedRuns(ws, 1)` makes: the stage `l` opens on that run. */
const LAST_STAGE_LOG = path.join('logs', '04_package.log');

/**
 * The log benchmarks' stage: a workspace with one finished run whose last stage's log `placeLog` puts at the path
 * it is given, a daemon, and the TUI (pid `pid`) in tmux session `tui`, showing `● live`; all gone after `fn`.
 */
export async function withTuiOnLog<L, T>(tag: string, placeLog: (file: string) => Promise<L>, fn: (tmux: TmuxControl, pid: number, placed: L) => Promise<T>): Promise<T> {
  return withWorkspace(tag, async (ws) => {
    const [runId] = await writeFinishedRuns(ws, 1);
    const file = path.join(ws, 'runs', runId ?? '', LAST_STAGE_LOG);
    await mkdir(path.dirname(file), { recursive: true });
    const placed = await placeLog(file);
    return withDaemon(ws, [], () =>
      withTmux(tag, async (tmux) => {
        const pid = await launchTui(tmux, 'tui', ws);
        await pollScreen(tmux, 'tui', LIVE, { timeoutMs: 20_000, intervalMs: 10 });
        return fn(tmux, pid, placed);
      }),
    );
  });
}
