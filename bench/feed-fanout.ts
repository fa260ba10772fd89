import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DaemonConnection } from '../src/client/daemon-connection.js';
import {
  type BenchDaemon,
  type BenchResult,
  cpuSeconds,
  pause,
  percentile,
  MONOTONIC_MS_JS,
  monotonicMs,
  until,
  withDaemon,
  withWorkspace,
  writePipeline,
} from './bench-helpers.js';

const CLIENTS = 20;
const LINES_PER_S = 10_000;
const SECONDS = 5;
const TOTAL = LINES_PER_S * SECONDS;
/** A client whose last progress event arrives more than this after the stage printed it has fallen behind. */
const BEHIND_MS = 1000;
/** How often the stage writes its due lines: 100 lines per 10 ms write at 10 000 a second. */
const TICK_MS = 10;

// A stage that waits for GO to exist, then prints `::pipe:progress i/TOTAL t=<monotonic ms>` at RATE lines a
// second for SECONDS, each tick's due lines in one write, stamped with the time of that write.
const STAGE_SCRIPT = `
import { existsSync } from 'node:fs';
const [rate, seconds, tick, go] = process.argv.slice(2);
const total = Number(rate) * Number(seconds);
const now = ${MONOTONIC_MS_JS};
let written = 0;
let t0 = 0;
const step = () => {
  const t = now();
  const due = Math.min(total, Math.floor(((t - t0) / 1000) * Number(rate)));
  if (due > written) {
    let text = '';
    const stamp = t.toFixed(3);
    for (let i = written + 1; i <= due; i++) text += '::pipe:progress ' + i + '/' + total + ' t=' + stamp + '\\n';
    process.stdout.write(text);
    written = due;
  }
  if (written < total) setTimeout(step, Number(tick));
};
const wait = () => {
  if (!existsSync(go)) return setTimeout(wait, 5);
  t0 = now();
  step();
};
wait();
`;

interface ClientTally {
  connection: DaemonConnection;
  snapshot: boolean;
  events: number;
  progress: number;
  resync: boolean;
  lags: number[];
  last: { current: number; lag: number } | null;
  finished: boolean;
}

interface FloodResult {
  clients: ClientTally[];
  cpuPercent: number;
  wallS: number;
  /** Lines a second the stage managed, from its first and last stamps as received. */
  linesPerS: number;
  behind: number;
}

async function flood(daemon: BenchDaemon, ws: string, script: string, clients: number, tag: string): Promise<FloodResult> {
  const go = path.join(ws, `go-${tag}`);
  await writePipeline(ws, `flood-${tag}`, [
    { id: 'flood', run: [process.execPath, script, String(LINES_PER_S), String(SECONDS), String(TICK_MS), go] },
  ]);
  const starter = await daemon.connect();
  const { run_id: runId } = await starter.request({ command: 'run', pipeline: `flood-${tag}`, params: {} });
  starter.close();

  let firstStamp = Infinity;
  let lastStamp = 0;
  const tallies: ClientTally[] = [];
  for (let c = 0; c < clients; c++) {
    const tally: ClientTally = {
      connection: await daemon.connect(),
      snapshot: false,
      events: 0,
      progress: 0,
      resync: false,
      lags: [],
      last: null,
      finished: false,
    };
    tally.connection.onMessage = (m) => {
      const at = monotonicMs();
      if (m.type === 'snapshot') tally.snapshot = true;
      else if (m.type === 'resync') tally.resync = true;
      if (m.type !== 'event' || m.event.run_id !== runId) return;
      tally.events++;
      const e = m.event;
      if (e.type === 'run.finished') tally.finished = true;
      if (e.type !== 'stage.progress') return;
      tally.progress++;
      const stamp = Number(/t=(\d+(?:\.\d+)?)/.exec(e.message ?? '')?.[1] ?? NaN);
      if (!Number.isFinite(stamp)) return;
      firstStamp = Math.min(firstStamp, stamp);
      lastStamp = Math.max(lastStamp, stamp);
      const lag = at - stamp;
      tally.lags.push(lag);
      tally.last = { current: e.current, lag };
    };
    tally.connection.subscribe([runId]);
    tallies.push(tally);
  }
  await until(`${clients} snapshots`, () => tallies.every((t) => t.snapshot), 10_000);

  const cpu0 = cpuSeconds(daemon.pid);
  const wall0 = monotonicMs();
  await writeFile(go, '');
  // A client told to resync gets nothing more; the others must all see the run end.
  await until('the flood run to finish for every client', () => tallies.every((t) => t.finished || t.resync), SECONDS * 1000 + 20_000);
  const cpu1 = cpuSeconds(daemon.pid);
  const wallS = (monotonicMs() - wall0) / 1000;
  for (const t of tallies) t.connection.close();
  await pause(100);

  // Behind: told to resync, never given the last line, or given it more than BEHIND_MS after it was printed.
  const behind = tallies.filter((t) => t.resync || t.last?.current !== TOTAL || t.last.lag > BEHIND_MS).length;
  const span = (lastStamp - firstStamp) / 1000;
  return {
    clients: tallies,
    cpuPercent: ((cpu1 - cpu0) / wallS) * 100,
    wallS,
    linesPerS: span > 0 ? TOTAL / (span + TICK_MS / 1000) : 0,
    behind,
  };
}

export async function feedFanout(): Promise<BenchResult> {
  return withWorkspace('fanout', async (ws) => {
    const script = path.join(ws, 'progress-flood.mjs');
    await writeFile(script, STAGE_SCRIPT);
    return withDaemon(ws, [], async (daemon) => {
      // The same run watched by one client first: what the flood costs the daemon before fan-out.
      const single = await flood(daemon, ws, script, 1, 'one');
      await pause(200);
      const many = await flood(daemon, ws, script, CLIENTS, 'many');

      const events = many.clients.map((t) => t.events);
      const progress = many.clients.map((t) => t.progress);
      const allLags = many.clients.flatMap((t) => t.lags);
      const finalLags = many.clients.map((t) => t.last?.lag ?? Infinity);
      const resyncs = many.clients.filter((t) => t.resync).length;
      if (Math.min(...progress) === 0) throw new Error('a client received no progress event at all');

      return {
        name: 'feed-fanout',
        title: `Feed fan-out: ${CLIENTS} clients on one run printing ${LINES_PER_S.toLocaleString('en-US')} progress lines a second for ${SECONDS} s`,
        figures: [
          { key: 'lines_per_s', label: 'progress lines a second the stage printed', value: many.linesPerS, unit: '/s', digits: 0 },
          { key: 'daemon_cpu_pct', label: `daemon CPU, ${CLIENTS} clients (% of one core)`, value: many.cpuPercent, unit: '%', digits: 1 },
          { key: 'daemon_cpu_pct_one_client', label: 'daemon CPU, same run with 1 client', value: single.cpuPercent, unit: '%', digits: 1 },
          { key: 'events_per_client_min', label: 'events delivered per client (min)', value: Math.min(...events), unit: '', digits: 0 },
          { key: 'events_per_client_max', label: 'events delivered per client (max)', value: Math.max(...events), unit: '', digits: 0 },
          { key: 'progress_per_client_min', label: 'of which stage.progress (min)', value: Math.min(...progress), unit: '', digits: 0 },
          { key: 'lag_p50_ms', label: 'progress line → client, p50 over all clients', value: percentile(allLags, 50), unit: 'ms', digits: 2 },
          { key: 'lag_p99_ms', label: 'progress line → client, p99 over all clients', value: percentile(allLags, 99), unit: 'ms', digits: 2 },
          { key: 'final_lag_max_ms', label: 'last line → client, worst client', value: Math.max(...finalLags), unit: 'ms', digits: 2 },
          { key: 'resyncs', label: 'clients told to resync', value: resyncs, unit: '', digits: 0, goal: { max: 0, text: '= 0' } },
          { key: 'clients_behind', label: `clients behind (resync, or last line > ${BEHIND_MS} ms late)`, value: many.behind, unit: '', digits: 0, goal: { max: 0, text: '= 0' } },
        ],
        notes: [
          `${TOTAL.toLocaleString('en-US')} lines from one node stage, ${(LINES_PER_S * TICK_MS) / 1000} per write every ${TICK_MS} ms; the daemon passes at most one progress event per 40 ms per stage`,
          `daemon CPU is utime + stime from /proc/${daemon.pid}/stat over ${many.wallS.toFixed(2)} s (${CLIENTS} clients) and ${single.wallS.toFixed(2)} s (1 client), go signal to run.finished`,
          `lag: stamp of a write (100 lines) to the client holding the parsed event; the line a client gets is the newest when the throttle's window closes, so it includes up to one ${TICK_MS} ms tick, the daemon's sends to all ${CLIENTS} clients in turn, and this process parsing for all of them`,
          `1 client: ${single.clients[0]?.events ?? 0} events, ${single.behind} behind, last line ${single.clients[0]?.last?.lag.toFixed(2) ?? '—'} ms late`,
          `events per client: ${events.join(' ')}`,
        ],
      };
    });
  });
}
