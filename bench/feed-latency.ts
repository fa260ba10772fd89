import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerMessage } from '../src/shared/protocol.js';
import {
  type BenchResult,
  percentile,
  MONOTONIC_MS_JS,
  monotonicMs,
  until,
  withDaemon,
  withWorkspace,
  writePipeline,
} from './bench-helpers.js';

/** Measured events: RUNS × PER_RUN = 1 000. */
const RUNS = 5;
const PER_RUN = 200;
/** The first lines of each stage warm up the daemon and the client and are not counted. */
const WARMUP = 5;
/**
 * Lines of one stage are this far apart, well over the daemon's 40 ms progress throttle, so every line goes
 * through on the leading edge (at once) rather than waiting for the window to close. The runs are staggered
 * by PERIOD_MS / RUNS on a shared wall-clock grid, so the daemon sees one line every 12 ms, never two at once.
 */
const PERIOD_MS = 60;
const GOAL_P50_MS = 5;
const GOAL_P99_MS = 50;

// A stage that prints `::pipe:progress i/N t=<monotonic ms, µs precision>` on a grid of PERIOD
// (on the machine-wide monotonic clock, so all stages share it), shifted by OFFSET.
// stdout to a pipe is synchronous in Node on Linux, so the stamp is taken just before the bytes leave.
const STAGE_SCRIPT = `
const [period, offset, count] = process.argv.slice(2).map(Number);
const now = ${MONOTONIC_MS_JS};
const first = Math.ceil((now() + 2 * period) / period) * period + offset;
let i = 0;
const tick = () => {
  i++;
  process.stdout.write('::pipe:progress ' + i + '/' + count + ' t=' + now().toFixed(3) + '\\n');
  if (i < count) setTimeout(tick, Math.max(0, first + i * period - now()));
};
setTimeout(tick, first - now());
`;

export async function feedLatency(): Promise<BenchResult> {
  return withWorkspace('latency', async (ws) => {
    const script = path.join(ws, 'progress-clock.mjs');
    await writeFile(script, STAGE_SCRIPT);
    const perStage = WARMUP + PER_RUN;
    for (let r = 0; r < RUNS; r++) {
      const offset = ((r * PERIOD_MS) / RUNS).toFixed(3);
      await writePipeline(ws, `clock${r}`, [{ id: 'clock', run: [process.execPath, script, String(PERIOD_MS), offset, String(perStage)] }]);
    }

    return withDaemon(ws, ['--concurrency', String(RUNS)], async (daemon) => {
      const connection = await daemon.connect();
      const latencies: number[] = [];
      const finished = new Map<string, string>();
      let progressEvents = 0;
      let resyncs = 0;
      let snapshot = false;
      connection.onMessage = (m: ServerMessage) => {
        const at = monotonicMs();
        if (m.type === 'snapshot') snapshot = true;
        if (m.type === 'resync') resyncs++;
        if (m.type !== 'event') return;
        const e = m.event;
        if (e.type === 'stage.progress') {
          progressEvents++;
          const stamp = /t=(\d+(?:\.\d+)?)/.exec(e.message ?? '');
          if (stamp && e.current > WARMUP) latencies.push(at - Number(stamp[1]));
        } else if (e.type === 'run.finished') finished.set(e.run_id, e.status);
      };
      connection.subscribe('all');
      await until('the snapshot', () => snapshot, 5000);

      const started = monotonicMs();
      const runIds: string[] = [];
      for (let r = 0; r < RUNS; r++) {
        const reply = await connection.request({ command: 'run', pipeline: `clock${r}`, params: {} });
        runIds.push(reply.run_id);
      }
      await until(`${RUNS} runs to finish`, () => runIds.every((id) => finished.has(id)), 30_000 + perStage * PERIOD_MS);
      const seconds = (monotonicMs() - started) / 1000;
      connection.close();

      const failed = runIds.filter((id) => finished.get(id) !== 'succeeded');
      if (failed.length) throw new Error(`runs ${failed.map((id) => `${id} (${finished.get(id)})`).join(', ')} did not succeed`);
      const expected = RUNS * PER_RUN;
      // A line that met the throttle's window is delivered late or replaced by the next: a few are tolerable, many
      // mean the spacing above no longer holds and the figures would measure the throttle, not the feed.
      if (latencies.length < expected * 0.95) {
        throw new Error(`only ${latencies.length} of ${expected} progress lines reached the client; the throttle swallowed the rest`);
      }
      const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;

      return {
        name: 'feed-latency',
        title: `Feed latency: a stage's \`::pipe:progress\` line to a WebSocket client holding the parsed event (${RUNS} concurrent runs, lines ${PERIOD_MS} ms apart per stage)`,
        figures: [
          { key: 'events', label: 'events measured', value: latencies.length, unit: '', digits: 0 },
          { key: 'p50_ms', label: 'p50 line → client', value: percentile(latencies, 50), unit: 'ms', digits: 2, goal: { max: GOAL_P50_MS, text: `≤ ${GOAL_P50_MS} ms` } },
          { key: 'p90_ms', label: 'p90 line → client', value: percentile(latencies, 90), unit: 'ms', digits: 2 },
          { key: 'p99_ms', label: 'p99 line → client', value: percentile(latencies, 99), unit: 'ms', digits: 2, goal: { max: GOAL_P99_MS, text: `≤ ${GOAL_P99_MS} ms` } },
          { key: 'min_ms', label: 'min line → client', value: Math.min(...latencies), unit: 'ms', digits: 2 },
          { key: 'max_ms', label: 'max line → client', value: Math.max(...latencies), unit: 'ms', digits: 2 },
          { key: 'mean_ms', label: 'mean line → client', value: mean, unit: 'ms', digits: 2 },
        ],
        notes: [
          `${RUNS} runs at --concurrency ${RUNS}, each one node stage printing ${perStage} lines ${PERIOD_MS} ms apart (first ${WARMUP} per stage not counted), staggered ${PERIOD_MS / RUNS} ms; one client subscribed to all, over the Unix socket`,
          `timed on CLOCK_MONOTONIC (process.hrtime, shared by all processes) from the stage just before its write to after the client's JSON parse and zod validation`,
          `${progressEvents} stage.progress events received for ${RUNS * perStage} lines; ${resyncs} resync(s); ${seconds.toFixed(1)} s from the first run command to the last run.finished`,
        ],
      };
    });
  });
}
