import { type BenchResult, cpuSeconds, monotonicMs, pause, withDaemon, withWorkspace } from './bench-helpers.js';
import { LIVE, TUI_COLUMNS, TUI_ROWS, launchTui, pollScreen, procStatusKb, withTmux, writeFinishedRuns } from './tui-harness.js';

const RUNS = 2000;
const SETTLE_MS = 3000;
const GOAL_RSS_MB = 150;

export async function tuiRss(): Promise<BenchResult> {
  return withWorkspace('tui-rss', async (ws) => {
    const made = monotonicMs();
    const ids = await writeFinishedRuns(ws, RUNS);
    const madeS = (monotonicMs() - made) / 1000;
    const newest = (ids[0] ?? '').slice(-6);
    return withDaemon(ws, [], (daemon) =>
      withTmux('rss', async (tmux) => {
        const start = monotonicMs();
        const pid = await launchTui(tmux, 'tui', ws);
        const listed = await pollScreen(tmux, 'tui', new RegExp(newest), { timeoutMs: 20_000, intervalMs: 10 });
        const live = await pollScreen(tmux, 'tui', LIVE, { timeoutMs: 20_000, intervalMs: 10 });
        await pause(SETTLE_MS);
        const rssKb = procStatusKb(pid, 'VmRSS');
        const peakKb = procStatusKb(pid, 'VmHWM');
        const cpu = cpuSeconds(pid);
        const daemonKb = procStatusKb(daemon.pid, 'VmRSS');
        const screen = await tmux.capture('tui');
        if (!screen.includes(newest)) throw new Error(`the newest run left the screen:\n${screen}`);

        return {
          name: 'tui-rss',
          title: `TUI memory with ${RUNS.toLocaleString('en-US')} runs on disk: VmRSS of the TUI's process ${SETTLE_MS / 1000} s after it lists them`,
          figures: [
            { key: 'rss_mb', label: 'TUI RSS', value: rssKb / 1024, unit: 'MB', digits: 1, goal: { max: GOAL_RSS_MB, text: `≤ ${GOAL_RSS_MB} MB` } },
            { key: 'peak_rss_mb', label: 'TUI peak RSS (VmHWM)', value: peakKb / 1024, unit: 'MB', digits: 1 },
            { key: 'listed_ms', label: 'launch → newest run listed', value: listed.at - start, unit: 'ms', digits: 0 },
            { key: 'live_ms', label: 'launch → ● live', value: live.at - start, unit: 'ms', digits: 0 },
            { key: 'cpu_s', label: 'TUI CPU time until read', value: cpu, unit: 's', digits: 2 },
            { key: 'daemon_rss_mb', label: 'daemon RSS', value: daemonKb / 1024, unit: 'MB', digits: 1 },
          ],
          notes: [
            `${RUNS} finished five-stage runs made from test/fixtures/runs/v1/metadata.json (about 6 kB each, a run id and times of their own, metadata.json only) in ${madeS.toFixed(1)} s; the daemon running; VmRSS and VmHWM from /proc/${pid}/status; a ${TUI_COLUMNS}×${TUI_ROWS} terminal`,
          ],
        };
      }),
    );
  });
}
