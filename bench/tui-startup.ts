import { type BenchResult, median, monotonicMs, pause, withDaemon, withWorkspace } from './bench-helpers.js';
import { HEADER, LIVE, launchTui, pollScreen, withTmux, writeFinishedRuns } from './tui-harness.js';

const LAUNCHES = 9;
/** Finished runs in the workspace, so the first live frame has a list and a run's stages to draw. */
const RUNS = 5;
const POLL_MS = 2;
const GOAL_FIRST_FRAME_MS = 400;

interface Launch {
  frame: number;
  live: number;
  listed: number;
}

export async function tuiStartup(): Promise<BenchResult> {
  return withWorkspace('tui-startup', async (ws) => {
    const ids = await writeFinishedRuns(ws, RUNS);
    const newest = (ids[0] ?? '').slice(-6);
    return withDaemon(ws, [], () =>
      withTmux('startup', async (tmux) => {
        const launch = async (name: string): Promise<Launch> => {
          const start = monotonicMs();
          await launchTui(tmux, name, ws);
          const frame = await pollScreen(tmux, name, HEADER, { timeoutMs: 10_000, intervalMs: POLL_MS });
          const live = await pollScreen(tmux, name, LIVE, { timeoutMs: 10_000, intervalMs: POLL_MS });
          const listed = await pollScreen(tmux, name, new RegExp(newest), { timeoutMs: 10_000, intervalMs: POLL_MS });
          await tmux.killSession(name);
          await pause(200);
          return { frame: frame.at - start, live: live.at - start, listed: listed.at - start };
        };
        // One launch first, not counted: it pulls node, the bundle and its dependencies into the page cache.
        const warm = await launch('warmup');
        const launches: Launch[] = [];
        for (let i = 0; i < LAUNCHES; i++) launches.push(await launch(`tui${i}`));
        const frames = launches.map((l) => l.frame);
        const lives = launches.map((l) => l.live);
        return {
          name: 'tui-startup',
          title: `TUI cold start: \`pipe-tui --workspace WS\` launched in a tmux pane (daemon running) → first capture showing the frame (median of ${LAUNCHES})`,
          figures: [
            { key: 'first_frame_ms', label: 'launch → first frame', value: median(frames), unit: 'ms', digits: 0, goal: { max: GOAL_FIRST_FRAME_MS, text: `≤ ${GOAL_FIRST_FRAME_MS} ms` } },
            { key: 'live_ms', label: 'launch → ● live', value: median(lives), unit: 'ms', digits: 0 },
            { key: 'listed_ms', label: 'launch → runs listed', value: median(launches.map((l) => l.listed)), unit: 'ms', digits: 0 },
            { key: 'first_frame_max_ms', label: 'slowest first frame', value: Math.max(...frames), unit: 'ms', digits: 0 },
            { key: 'live_max_ms', label: 'slowest ● live', value: Math.max(...lives), unit: 'ms', digits: 0 },
          ],
          notes: [
            `each launch a new detached session (\`tmux new-session\` running node directly, no shell) of a private tmux server; timed on CLOCK_MONOTONIC from sending new-session to the return of the first capture showing \`pipe-tui ·\` (the header), then \`● live\`, then the newest of ${RUNS} finished runs; polled every ${POLL_MS} ms`,
            `first frames ${frames.map((f) => f.toFixed(0)).join(', ')} ms; ● live ${lives.map((f) => f.toFixed(0)).join(', ')} ms; one launch before them not counted (first frame ${warm.frame.toFixed(0)} ms, live ${warm.live.toFixed(0)} ms)`,
          ],
        };
      }),
    );
  });
}
