import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DaemonConnection } from '../src/client/daemon-connection.js';
import { shortRunId } from '../src/shared/names.js';
import type { ServerMessage } from '../src/shared/protocol.js';
import { EVENTS_FILE, runDir } from '../src/workspace/layout.js';
import {
  type BenchResult,
  MONOTONIC_MS_JS,
  countNewlines,
  cpuSeconds,
  monotonicMs,
  pause,
  percentile,
  until,
  withDaemon,
  withWorkspace,
  writePipeline,
} from './bench-helpers.js';
import { LIVE, launchTui, pollScreen, withTmux } from './tui-harness.js';

/** Stages running at once: FLOODS flooding stages and one probe, each the only stage of its own run. */
const FLOODS = 49;
const STAGES = FLOODS + 1;
/** Progress lines each flooding stage prints a second, in one write every TICK_MS. */
const LINES_PER_S = 1000;
const TICK_MS = 10;
/** The flood's total: never shown (only the selected run's stages are), and unlike the probe's. */
const FLOOD_TOTAL = 1_000_000;
/** A flooding stage gives up by itself after this long, should the bench die before telling it to stop. */
const FLOOD_MAX_S = 240;

const SAMPLES = 150;
const WARMUP = 5;
/** The probe's total in `i/TOTAL`: an odd number no other part of the screen shows. */
const TOTAL = 9973;
/** As in tui-latency: well over the daemon's 40 ms progress throttle per stage, plus jitter against the frame clock. */
const SPACING_MS = 100;
const JITTER_MS = 35;
const POLL_MS = 2;
/** The quiet figure's order (tui-latency's goal). */
const GOAL_P99_MS = 150;

// A flooding stage: every TICK ms one write of the lines due since the last (LINES_PER_S a second in all), each
// `::pipe:progress i/TOTAL`; it ends when the stop file appears (or after MAX seconds).
const FLOOD_SCRIPT = `
import { existsSync } from 'node:fs';
const [stop, rate, tick, total, maxS] = process.argv.slice(2);
const perMs = Number(rate) / 1000;
const started = Date.now();
let sent = 0;
let i = 0;
const timer = setInterval(() => {
  const due = Math.floor((Date.now() - started) * perMs);
  let text = '';
  while (sent < due) {
    sent++;
    i = (i % Number(total)) + 1;
    text += '::pipe:progress ' + i + '/' + total + '\\n';
  }
  if (text) process.stdout.write(text);
  if (existsSync(stop) || Date.now() - started > Number(maxS) * 1000) {
    clearInterval(timer);
    process.stdout.write('flood: ' + sent + ' lines\\n');
  }
}, Number(tick));
`;

// The probe, as tui-latency's ticker: a line for each number the bench writes into the FIFO; closing it ends the stage.
const PROBE_SCRIPT = `
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
const [fifo, total] = process.argv.slice(2);
const now = ${MONOTONIC_MS_JS};
for await (const line of createInterface({ input: createReadStream(fifo) })) {
  process.stdout.write('::pipe:progress ' + line + '/' + total + ' t=' + now().toFixed(3) + '\\n');
}
process.exit(0);
`;

const showing = (i: number): RegExp => new RegExp(`(?<![0-9])${i}/${TOTAL}(?![0-9])`);

/** Resolves with each run's final status once `ids` have all finished, watched over a connection of their own. */
function watchFinished(connection: DaemonConnection, ids: string[]): Map<string, string> {
  const finished = new Map<string, string>();
  connection.onMessage = (m: ServerMessage) => {
    if (m.type === 'snapshot') {
      for (const run of m.runs) if (run.ended_at) finished.set(run.run_id, run.status);
    } else if (m.type === 'event' && m.event.type === 'run.finished') finished.set(m.event.run_id, m.event.status);
  };
  connection.subscribe(ids);
  return finished;
}

/** Nanoseconds a process's main thread has run, and waited on a run queue for a CPU (Linux schedstat). */
function schedstat(pid: number): { run: number; wait: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
  return { run: run ?? 0, wait: wait ?? 0 };
}

async function eventLines(ws: string, ids: string[]): Promise<number> {
  const counts = await Promise.all(ids.map((id) => countNewlines(path.join(runDir(ws, id), EVENTS_FILE)).catch(() => 0)));
  return counts.reduce((a, b) => a + b, 0);
}

export async function floodLatency(): Promise<BenchResult> {
  return withWorkspace('flood-latency', async (ws) => {
    const floodScript = path.join(ws, 'flood.mjs');
    const probeScript = path.join(ws, 'probe.mjs');
    const fifo = path.join(ws, 'probe.fifo');
    const stop = path.join(ws, 'stop-flood');
    await writeFile(floodScript, FLOOD_SCRIPT);
    await writeFile(probeScript, PROBE_SCRIPT);
    execFileSync('mkfifo', [fifo]);
    await writePipeline(ws, 'flood', [{ id: 'flood', run: [process.execPath, floodScript, stop, String(LINES_PER_S), String(TICK_MS), String(FLOOD_TOTAL), String(FLOOD_MAX_S)] }]);
    await writePipeline(ws, 'probe', [{ id: 'probe', run: [process.execPath, probeScript, fifo, String(TOTAL)] }]);
    let trigger: number | null = openSync(fifo, constants.O_RDWR);
    const closeTrigger = (): void => {
      if (trigger !== null) closeSync(trigger);
      trigger = null;
    };
    try {
      return await withDaemon(ws, ['--concurrency', String(STAGES)], (daemon) =>
        withTmux('flood', async (tmux) => {
          const tuiPid = await launchTui(tmux, 'tui', ws);
          await pollScreen(tmux, 'tui', LIVE, { timeoutMs: 10_000, intervalMs: 20 });

          // The floods first, then the probe: the newest run, which the TUI selects when nothing else is chosen.
          const control = await daemon.connect();
          const floodIds: string[] = [];
          for (let r = 0; r < FLOODS; r++) floodIds.push((await control.request({ command: 'run', pipeline: 'flood', params: {} })).run_id);
          await pause(5); // a later millisecond, so the probe's run id sorts first
          const { run_id: probeId } = await control.request({ command: 'run', pipeline: 'probe', params: {} });

          // Every flooding stage has printed before anything is measured (watched on a connection of its own, let go after).
          const watcher = await daemon.connect();
          const flowing = new Set<string>();
          watcher.onMessage = (m: ServerMessage) => {
            if (m.type === 'event' && m.event.type === 'stage.progress') flowing.add(m.event.run_id);
          };
          watcher.subscribe(floodIds);
          await until(`all ${FLOODS} flooding stages to print`, () => flowing.size === FLOODS, 60_000);
          watcher.close();

          // The bench's own feed client follows the probe alone, to split the time at the feed.
          let probeFinished: string | null = null;
          const fed = new Map<number, number>();
          control.onMessage = (m: ServerMessage) => {
            if (m.type !== 'event') return;
            if (m.event.type === 'stage.progress') fed.set(m.event.current, monotonicMs());
            else if (m.event.type === 'run.finished') probeFinished = m.event.status;
          };
          control.subscribe([probeId]);

          const send = (text: string): number => {
            if (trigger === null) throw new Error('the FIFO is closed');
            const at = monotonicMs();
            writeSync(trigger, `${text}\n`);
            return at;
          };
          for (let i = 1; i <= WARMUP; i++) {
            send(String(i));
            const seen = await pollScreen(tmux, 'tui', showing(i), { timeoutMs: 20_000, intervalMs: 5 });
            // Only the selected run's stages show progress, but be plain about which run that is.
            if (i === 1 && !seen.screen.includes(shortRunId(probeId))) throw new Error(`the probe run ${probeId} is not on screen:\n${seen.screen}`);
            await pause(SPACING_MS);
          }

          const latencies: number[] = [];
          const toFeed: number[] = [];
          const feedToScreen: number[] = [];
          const daemonBefore = cpuSeconds(daemon.pid);
          const tuiBefore = cpuSeconds(tuiPid);
          const tuiSchedBefore = schedstat(tuiPid);
          const eventsBefore = await eventLines(ws, floodIds);
          const started = monotonicMs();
          let last = started;
          for (let i = WARMUP + 1; i <= WARMUP + SAMPLES; i++) {
            const due = last + SPACING_MS + Math.random() * JITTER_MS;
            const wait = due - monotonicMs();
            if (wait > 0) await pause(wait);
            last = send(String(i));
            const seen = await pollScreen(tmux, 'tui', showing(i), { timeoutMs: 10_000, intervalMs: POLL_MS });
            latencies.push(seen.at - last);
            const fedAt = fed.get(i);
            if (fedAt !== undefined) {
              toFeed.push(fedAt - last);
              feedToScreen.push(seen.at - fedAt);
            }
          }
          const seconds = (monotonicMs() - started) / 1000;
          const daemonCpu = cpuSeconds(daemon.pid) - daemonBefore;
          const tuiCpu = cpuSeconds(tuiPid) - tuiBefore;
          const tuiSched = schedstat(tuiPid);
          const tuiWaitMsPerS = (tuiSched.wait - tuiSchedBefore.wait) / 1e6 / seconds;
          const floodEvents = (await eventLines(ws, floodIds)) - eventsBefore;
          const screen = await tmux.capture('tui');

          // Stop the flood and the probe; every run must end well (the daemon kept up and lost nothing it must not).
          await writeFile(stop, '');
          closeTrigger();
          const finished = watchFinished(await daemon.connect(), floodIds);
          await until('the probe run to finish', () => probeFinished !== null, 30_000);
          await until(`the ${FLOODS} flooding runs to finish`, () => finished.size === FLOODS, 60_000);
          control.close();
          if (probeFinished !== 'succeeded') throw new Error(`probe run ${probeId} ended ${probeFinished}`);
          const failed = [...finished].filter(([, status]) => status !== 'succeeded');
          if (failed.length) throw new Error(`flooding runs did not succeed: ${failed.map(([id, s]) => `${id} ${s}`).join(', ')}`);
          const listed = floodIds.filter((id) => screen.includes(shortRunId(id))).length;

          return {
            name: 'flood-latency',
            title: `Flood latency: ${STAGES} live stages, ${FLOODS} printing ${LINES_PER_S.toLocaleString('en-US')} \`::pipe:progress\` lines a second each; the probe stage's line → the TUI's screen (${SAMPLES} lines)`,
            figures: [
              { key: 'samples', label: 'lines measured', value: latencies.length, unit: '', digits: 0 },
              { key: 'p50_ms', label: 'p50 line → screen', value: percentile(latencies, 50), unit: 'ms', digits: 1 },
              { key: 'p90_ms', label: 'p90 line → screen', value: percentile(latencies, 90), unit: 'ms', digits: 1 },
              { key: 'p99_ms', label: 'p99 line → screen', value: percentile(latencies, 99), unit: 'ms', digits: 1, goal: { max: GOAL_P99_MS, text: `≤ ${GOAL_P99_MS} ms` } },
              { key: 'max_ms', label: 'max line → screen', value: Math.max(...latencies), unit: 'ms', digits: 1 },
              { key: 'daemon_cpu_percent', label: 'daemon CPU during the flood', value: (daemonCpu / seconds) * 100, unit: '%', digits: 1 },
              { key: 'tui_cpu_percent', label: 'TUI CPU during the flood', value: (tuiCpu / seconds) * 100, unit: '%', digits: 1 },
              { key: 'flood_events_per_s', label: 'events the daemon recorded for the flood, a second', value: floodEvents / seconds, unit: '/s', digits: 0 },
            ],
            notes: [
              `one daemon at --concurrency ${STAGES}; ${FLOODS} runs of a one-stage pipeline whose node stage writes ${LINES_PER_S / (1000 / TICK_MS)} progress lines every ${TICK_MS} ms, then the probe run (newest, so selected: the screen showed its id and ${listed} of the flooding runs' ids); the TUI (pid ${tuiPid}) in a ${'tmux'} pane`,
              `probe lines ${SPACING_MS}–${SPACING_MS + JITTER_MS} ms apart (first ${WARMUP} not counted), timed on CLOCK_MONOTONIC from the bench's FIFO write to the first capture showing \`i/${TOTAL}\`, screen polled every ${POLL_MS} ms; ${seconds.toFixed(1)} s of lines`,
              toFeed.length
                ? `split at the bench's own feed client (subscribed to the probe run only): FIFO write → feed event p50 ${percentile(toFeed, 50).toFixed(1)} ms, p99 ${percentile(toFeed, 99).toFixed(1)} ms; feed event → screen p50 ${percentile(feedToScreen, 50).toFixed(1)} ms, p99 ${percentile(feedToScreen, 99).toFixed(1)} ms`
                : "the bench's feed client got no progress events",
              `CPU is utime + stime from /proc/PID/stat over the measured window (100 % = one core); the TUI's main thread also waited ${tuiWaitMsPerS.toFixed(0)} ms a second on a run queue for a CPU (/proc/PID/schedstat): what a loaded machine adds to every figure`,
            ],
          };
        }),
      );
    } finally {
      closeTrigger();
    }
  });
}
