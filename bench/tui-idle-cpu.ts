import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type BenchResult, cpuSeconds, monotonicMs, pause, withDaemon, withWorkspace } from './bench-helpers.js';
import { LIVE, launchTui, pollScreen, procStatusKb, withTmux, writeFinishedRuns } from './tui-harness.js';

/** Finished runs on screen: the list, the newest run's stages and entities. */
const RUNS = 5;
const SETTLE_MS = 1000;
const WINDOW_MS = 10_000;
const GOAL_CPU_PERCENT = 1;

export async function tuiIdleCpu(): Promise<BenchResult> {
  return withWorkspace('tui-idle', async (ws) => {
    const ids = await writeFinishedRuns(ws, RUNS);
    const newest = (ids[0] ?? '').slice(-6);
    return withDaemon(ws, [], (daemon) =>
      withTmux('idle', async (tmux) => {
        const pid = await launchTui(tmux, 'tui', ws);
        await pollScreen(tmux, 'tui', LIVE, { timeoutMs: 10_000, intervalMs: 20 });
        await pollScreen(tmux, 'tui', new RegExp(newest), { timeoutMs: 10_000, intervalMs: 20 });
        await pause(SETTLE_MS);
        const screenBefore = await tmux.capture('tui');

        // Every byte the TUI writes to its terminal from here on lands in this file: while nothing changes, none should.
        const drawn = path.join(ws, 'idle-output.bin');
        await tmux.command('pipe-pane', '-t', 'tui', `cat > ${drawn}`);
        const tuiBefore = cpuSeconds(pid);
        const daemonBefore = cpuSeconds(daemon.pid);
        const start = monotonicMs();
        await pause(WINDOW_MS);
        const seconds = (monotonicMs() - start) / 1000;
        const tuiCpu = cpuSeconds(pid) - tuiBefore;
        const daemonCpu = cpuSeconds(daemon.pid) - daemonBefore;
        await tmux.command('pipe-pane', '-t', 'tui');
        await pause(100);
        const rssKb = procStatusKb(pid, 'VmRSS');
        const bytes = await stat(drawn).then((s) => s.size, () => 0);
        const screenAfter = await tmux.capture('tui');
        if (!screenAfter.includes(newest)) throw new Error(`the runs left the screen while idle:\n${screenAfter}`);

        return {
          name: 'tui-idle-cpu',
          title: `TUI idle CPU: the TUI's process over ${WINDOW_MS / 1000} s with ${RUNS} finished runs on screen, nothing happening`,
          figures: [
            { key: 'cpu_percent', label: 'TUI CPU', value: (tuiCpu / seconds) * 100, unit: '%', digits: 2, goal: { max: GOAL_CPU_PERCENT, text: `≤ ${GOAL_CPU_PERCENT} %` } },
            { key: 'cpu_ms', label: 'TUI CPU time', value: tuiCpu * 1000, unit: 'ms', digits: 0 },
            { key: 'bytes_drawn', label: 'bytes written to the terminal', value: bytes, unit: 'B', digits: 0 },
            { key: 'rss_mb', label: 'TUI RSS', value: rssKb / 1024, unit: 'MB', digits: 1 },
            { key: 'daemon_cpu_percent', label: 'daemon CPU (same window)', value: (daemonCpu / seconds) * 100, unit: '%', digits: 2 },
          ],
          notes: [
            `utime + stime from /proc/${pid}/stat (the pane's process is node itself: launched with no shell), read ${SETTLE_MS} ms after the screen showed \`● live\` and the runs, and again ${seconds.toFixed(1)} s later; clock ticks limit the resolution to 10 ms`,
            `bytes written: the pane's output copied by \`tmux pipe-pane\` over the same window; screen ${screenAfter === screenBefore ? 'unchanged' : 'changed'} between the two captures`,
          ],
        };
      }),
    );
  });
}
