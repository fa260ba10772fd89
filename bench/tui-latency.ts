import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerMessage } from '../src/shared/protocol.js';
import { FRAME_MS } from '../src/tui/hooks/use-runs.js';
import { type BenchResult, MONOTONIC_MS_JS, monotonicMs, pause, percentile, until, withDaemon, withWorkspace, writePipeline } from './bench-helpers.js';
import { LIVE, launchTui, pollScreen, withTmux } from './tui-harness.js';

const SAMPLES = 150;
/** The first lines warm up the stage, the daemon and the TUI, and are not counted. */
const WARMUP = 5;
/** The total in `i/TOTAL`: an odd number no other part of the screen shows. */
const TOTAL = 9973;
/**
 * A line is triggered at least this long after the one before it (plus a random 0–JITTER ms, so the triggers do
 * not lock to the TUI's frame clock), well over the daemon's 40 ms progress throttle per stage: every line goes
 * through on the throttle's leading edge and none is merged into the next.
 */
const SPACING_MS = 100;
const JITTER_MS = 35;
/** How often the screen is captured while a line is awaited. */
const POLL_MS = 2;
const GOAL_P50_MS = 50;
const GOAL_P99_MS = 150;

// A stage that reads numbers from a FIFO, one a line, and prints `::pipe:progress i/TOTAL t=<monotonic ms>` for
// each at once (stdout to a pipe is synchronous in Node on Linux); the bench closing its end ends it. (Not an `end`
// line: a read of the FIFO left pending in libuv's thread pool makes process.exit hang.)
const STAGE_SCRIPT = `
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

export async function tuiLatency(): Promise<BenchResult> {
  return withWorkspace('tui-latency', async (ws) => {
    const script = path.join(ws, 'ticker.mjs');
    const fifo = path.join(ws, 'ticker.fifo');
    await writeFile(script, STAGE_SCRIPT);
    execFileSync('mkfifo', [fifo]);
    await writePipeline(ws, 'ticker', [{ id: 'ticker', run: [process.execPath, script, fifo, String(TOTAL)] }]);
    // Read and write: on Linux this open never blocks, and lines written before the stage opens its end wait in the pipe.
    let trigger: number | null = openSync(fifo, constants.O_RDWR);
    const closeTrigger = (): void => {
      if (trigger !== null) closeSync(trigger);
      trigger = null;
    };
    try {
      return await withDaemon(ws, [], (daemon) =>
        withTmux('latency', async (tmux) => {
          const pid = await launchTui(tmux, 'tui', ws);
          await pollScreen(tmux, 'tui', LIVE, { timeoutMs: 10_000, intervalMs: 20 });

          const connection = await daemon.connect();
          let finished: string | null = null;
          /** When the bench's own feed client got each line's stage.progress: the TUI's share is what comes after. */
          const fed = new Map<number, number>();
          connection.onMessage = (m: ServerMessage) => {
            if (m.type !== 'event') return;
            if (m.event.type === 'stage.progress') fed.set(m.event.current, monotonicMs());
            else if (m.event.type === 'run.finished') finished = m.event.status;
          };
          connection.subscribe('all');
          const { run_id: runId } = await connection.request({ command: 'run', pipeline: 'ticker', params: {} });

          const send = (text: string): number => {
            if (trigger === null) throw new Error('the FIFO is closed');
            const at = monotonicMs();
            writeSync(trigger, `${text}\n`);
            return at;
          };
          for (let i = 1; i <= WARMUP; i++) {
            send(String(i));
            await pollScreen(tmux, 'tui', showing(i), { timeoutMs: 15_000, intervalMs: 5 });
            await pause(SPACING_MS);
          }

          const latencies: number[] = [];
          /** Trigger to the stage's write, from the stamp in the line's message when the row shows it. */
          const stageLag: number[] = [];
          /** Trigger to the bench's feed client holding the event, and from there to the screen. */
          const toFeed: number[] = [];
          const feedToScreen: number[] = [];
          let polls = 0;
          let pollingMs = 0;
          const capturesBefore = tmux.captures;
          const captureMsBefore = tmux.captureMs;
          let last = monotonicMs();
          const started = last;
          for (let i = WARMUP + 1; i <= WARMUP + SAMPLES; i++) {
            const due = last + SPACING_MS + Math.random() * JITTER_MS;
            const wait = due - monotonicMs();
            if (wait > 0) await pause(wait);
            last = send(String(i));
            const seen = await pollScreen(tmux, 'tui', showing(i), { timeoutMs: 5000, intervalMs: POLL_MS });
            latencies.push(seen.at - last);
            polls += seen.polls;
            pollingMs += seen.at - last;
            const stamp = new RegExp(`${i}/${TOTAL}.*t=(\\d+\\.\\d{3})`).exec(seen.screen);
            if (stamp) stageLag.push(Number(stamp[1]) - last);
            const fedAt = fed.get(i);
            if (fedAt !== undefined) {
              toFeed.push(fedAt - last);
              feedToScreen.push(seen.at - fedAt);
            }
          }
          const seconds = (monotonicMs() - started) / 1000;
          const captures = tmux.captures - capturesBefore;
          const roundTrip = (tmux.captureMs - captureMsBefore) / captures;

          closeTrigger();
          await until('the ticker run to finish', () => finished !== null, 10_000);
          connection.close();
          if (finished !== 'succeeded') throw new Error(`run ${runId} ended ${finished}`);
          const processCapture = await tmux.processCaptureMs('tui');
          const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;

          return {
            name: 'tui-latency',
            title: `TUI latency: a stage prints \`::pipe:progress i/N\` → the first \`tmux capture-pane\` of the TUI showing \`i/N\` (${SAMPLES} lines)`,
            figures: [
              { key: 'samples', label: 'lines measured', value: latencies.length, unit: '', digits: 0 },
              { key: 'p50_ms', label: 'p50 line → screen', value: percentile(latencies, 50), unit: 'ms', digits: 1, goal: { max: GOAL_P50_MS, text: `≤ ${GOAL_P50_MS} ms` } },
              { key: 'p90_ms', label: 'p90 line → screen', value: percentile(latencies, 90), unit: 'ms', digits: 1 },
              { key: 'p99_ms', label: 'p99 line → screen', value: percentile(latencies, 99), unit: 'ms', digits: 1, goal: { max: GOAL_P99_MS, text: `≤ ${GOAL_P99_MS} ms` } },
              { key: 'min_ms', label: 'min line → screen', value: Math.min(...latencies), unit: 'ms', digits: 1 },
              { key: 'max_ms', label: 'max line → screen', value: Math.max(...latencies), unit: 'ms', digits: 1 },
              { key: 'mean_ms', label: 'mean line → screen', value: mean, unit: 'ms', digits: 1 },
              { key: 'poll_interval_ms', label: 'capture-pane poll interval', value: pollingMs / polls, unit: 'ms', digits: 2 },
              { key: 'capture_ms', label: 'capture-pane round trip', value: roundTrip, unit: 'ms', digits: 2 },
            ],
            notes: [
              `one daemon, the TUI (pid ${pid}) in a tmux pane of a private server; one node stage prints a progress line each time the bench writes its number into a FIFO, ${SPACING_MS}–${SPACING_MS + JITTER_MS} ms apart (first ${WARMUP} not counted); ${seconds.toFixed(1)} s of lines`,
              `timed on CLOCK_MONOTONIC from just before the bench's write to the FIFO to the return of the first capture showing \`i/${TOTAL}\`; screen polled about every ${POLL_MS} ms (setTimeout rounds down, hence the interval above) through one control-mode tmux client (\`tmux -C\`), ${captures} captures`,
              `a \`tmux capture-pane\` started as a process costs ${processCapture.toFixed(1)} ms here, which is why the polling goes through the control client`,
              stageLag.length
                ? `FIFO write → stage's print (stamp read off the screen): p50 ${percentile(stageLag, 50).toFixed(2)} ms, max ${Math.max(...stageLag).toFixed(2)} ms`
                : 'the stage row was too narrow to show the stage\'s stamp',
              toFeed.length
                ? `split at a second feed client in the bench (${toFeed.length} lines): FIFO write → feed event p50 ${percentile(toFeed, 50).toFixed(1)} ms, p99 ${percentile(toFeed, 99).toFixed(1)} ms; feed event → screen p50 ${percentile(feedToScreen, 50).toFixed(1)} ms, p99 ${percentile(feedToScreen, 99).toFixed(1)} ms`
                : 'the bench\'s feed client got no progress events',
              `the TUI batches changes into one render per ${FRAME_MS} ms (useRuns FRAME_MS) and Ink renders at most 30 frames a second, so about 33 ms of each figure is by design`,
            ],
          };
        }),
      );
    } finally {
      closeTrigger();
    }
  });
}
