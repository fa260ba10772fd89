import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readProcTable } from '../src/daemon/engine/proc-table.js';
import type { ServerMessage } from '../src/shared/protocol.js';
import { type BenchResult, cpuSeconds, median, monotonicMs, pause, until, withDaemon, withWorkspace, writePipeline } from './bench-helpers.js';

/** Stages running at once, each the only stage of its own run. */
const STAGES = 50;
/** The stage: a bare `sleep` (no shell), so what the daemon spends is the sampling and not the stages' output. */
const SLEEP_S = 90;
/** After every stage has been sampled, before the window: the first passes and the runs' starts are done. */
const SETTLE_MS = 2000;
const WINDOW_MS = 10_000;
const GOAL_CPU_PERCENT = 2;
/** One pass over /proc timed in this process, this many times. */
const PASSES = 50;

interface CpuWindow {
  percent: number;
  seconds: number;
  /** Each second's own figure, for the notes. */
  perSecond: number[];
}

// The daemon's CPU (utime + stime from /proc/PID/stat) over a window, as a percent of one core, read every second.
async function cpuOver(pid: number, ms: number): Promise<CpuWindow> {
  const first = cpuSeconds(pid);
  const start = monotonicMs();
  const perSecond: number[] = [];
  let cpu = first;
  let at = start;
  while (at - start < ms - 1) {
    await pause(Math.min(1000, start + ms - at));
    const [cpuNow, atNow] = [cpuSeconds(pid), monotonicMs()];
    perSecond.push(((cpuNow - cpu) / ((atNow - at) / 1000)) * 100);
    [cpu, at] = [cpuNow, atNow];
  }
  const seconds = (at - start) / 1000;
  return { percent: ((cpu - first) / seconds) * 100, seconds, perSecond };
}

const each = (w: CpuWindow): string => w.perSecond.map((v) => v.toFixed(0)).join(', ');

export async function resourceSampling(): Promise<BenchResult> {
  return withWorkspace('resources', async (ws) => {
    await writePipeline(ws, 'idle', [{ id: 'idle', run: ['sleep', String(SLEEP_S)] }]);
    return withDaemon(ws, ['--concurrency', String(STAGES)], async (daemon) => {
      // The same daemon with nothing running: what it costs before any stage is sampled.
      await pause(SETTLE_MS);
      const idle = await cpuOver(daemon.pid, WINDOW_MS);

      // One feed client sees every run's events; each stage counts as running once the sampler has reported it.
      const feed = await daemon.connect();
      const sampled = new Set<string>();
      let resourceEvents = 0;
      let finished = 0;
      feed.onMessage = (m: ServerMessage) => {
        if (m.type !== 'event') return;
        if (m.event.type === 'stage.resources') {
          sampled.add(m.event.run_id);
          resourceEvents++;
        } else if (m.event.type === 'run.finished') finished++;
      };
      feed.subscribe('all');
      const control = await daemon.connect();
      const ids: string[] = [];
      for (let r = 0; r < STAGES; r++) ids.push((await control.request({ command: 'run', pipeline: 'idle', params: {} })).run_id);
      await until(`all ${STAGES} stages to be sampled`, () => sampled.size === STAGES, 60_000);
      await pause(SETTLE_MS);

      const eventsBefore = resourceEvents;
      const busy = await cpuOver(daemon.pid, WINDOW_MS);
      const windowEvents = resourceEvents - eventsBefore;
      const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
      if (finished > 0) throw new Error(`${finished} run(s) ended during the window: the stages did not all run through it`);

      // What one sampler pass costs: the same read of /proc the daemon makes a second, timed here.
      const passMs: number[] = [];
      for (let i = 0; i < PASSES; i++) {
        const start = performance.now();
        readProcTable();
        passMs.push(performance.now() - start);
      }

      for (const id of ids) await control.request({ command: 'cancel', run_id: id });
      await until(`the ${STAGES} runs to end after cancel`, () => finished >= STAGES, 30_000);
      feed.close();
      control.close();

      return {
        name: 'resource-sampling',
        title: `Resource sampling: the daemon's CPU with ${STAGES} local stages running (\`sleep\`), sampled once a second, over ${WINDOW_MS / 1000} s`,
        figures: [
          { key: 'daemon_cpu_percent', label: `daemon CPU with ${STAGES} running stages sampled`, value: busy.percent, unit: '%', digits: 2, goal: { max: GOAL_CPU_PERCENT, text: `≤ ${GOAL_CPU_PERCENT} %` } },
          { key: 'daemon_idle_cpu_percent', label: 'daemon CPU with no stage running', value: idle.percent, unit: '%', digits: 2 },
          { key: 'sampling_cpu_percent', label: 'difference: the cost of 50 running stages', value: busy.percent - idle.percent, unit: '%', digits: 2 },
          { key: 'proc_pass_ms', label: `one pass over /proc (${processes} processes), median of ${PASSES}`, value: median(passMs), unit: 'ms', digits: 2 },
          { key: 'resource_events_per_s', label: 'stage.resources events on the feed, a second', value: windowEvents / busy.seconds, unit: '/s', digits: 1 },
        ],
        notes: [
          `one daemon at --concurrency ${STAGES}; ${STAGES} runs of a one-stage pipeline \`run: [sleep, ${SLEEP_S}]\`; the window starts ${SETTLE_MS / 1000} s after every stage had a stage.resources event (the sampler reads each group's usage once a second), and the runs are cancelled after it`,
          `CPU is utime + stime from /proc/${daemon.pid}/stat over ${busy.seconds.toFixed(1)} s (the idle figure: the same daemon before any run, ${idle.seconds.toFixed(1)} s; 100 % = one core, 10 ms tick resolution); there is no switch to turn sampling off, so the difference holds the sampling and whatever else 50 running stages cost (timers, pipes)`,
          `each second's daemon CPU %: with ${STAGES} stages ${each(busy)}; with none ${each(idle)}`,
          `one full /proc pass timed in the bench's own process (readProcTable, as the sampler calls it one pass in ten; the others read only the stages' members and their children): ${passMs.map((v) => v.toFixed(2)).join(', ')} ms`,
        ],
      };
    });
  });
}
