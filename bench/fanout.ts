import { spawn } from 'node:child_process';
import { type FSWatcher, existsSync, mkdirSync, readFileSync, readdirSync, statSync, watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stopLeftovers } from '../src/daemon/engine/process-groups.js';
import { FRAME_MS } from '../src/tui/hooks/use-runs.js';
import { EVENTS_FILE, METADATA_FILE, runsDir } from '../src/workspace/layout.js';
import { type BenchDaemon, type BenchResult, cpuSeconds, median, monotonicMs, pause, percentile, readLines, until, withDaemon, withWorkspace } from './bench-helpers.js';
import { LIVE, TUI_COLUMNS, TUI_ROWS, type TmuxControl, launchTui, pollScreen, procStatusKb, withTmux } from './tui-harness.js';

/** Items of the fan-out: one `true` each. */
const ITEMS = 10_000;
const GOAL_OVERHEAD_MS = 5;
const GOAL_P99_MS = 150;
const GOAL_RSS_MB = 150;
/** How often the TUI's screen is captured during the watched fan-out (one capture at a time). */
const POLL_MS = 5;
/** How long the whole fan-out may take before the bench gives up (the daemon is then stopped, the run with it). */
const RUN_TIMEOUT_MS = 5 * 60_000;
/** How long after the run's end the TUI may take to show its last count. */
const SCREEN_GRACE_MS = 5000;
/** How often the TUI's VmRSS is read during it. */
const RSS_EVERY_MS = 250;
/** Passes of the /proc environ scan every item's end makes, timed in this process. */
const SCANS = 30;

/** The TUI's stage row of a fan-out: `items 734/10000 ✔ 730 ▶ 2`. */
const ITEMS_SHOWN = new RegExp(`items (\\d+)/${ITEMS}(?![0-9])`);

// The same `true`s from this process with the engine's parallelism: stdout and stderr piped (the engine reads
// them), each awaited to 'close' (exit and both pipes drained), the next started as a slot frees. The floor for
// any runner written in Node.
async function spawnBaseline(items: number, parallel: number): Promise<number> {
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`true exited ${code}`))));
    });
  const worker = async (): Promise<void> => {
    while (next < items) {
      next++;
      await one();
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: parallel }, worker));
  return performance.now() - start;
}

/**
 * Counts writes of metadata.json in a run folder: write-file-atomic writes a temp file beside it
 * (`metadata.json.<hash>`) and renames it onto metadata.json, which inotify reports as IN_MOVED_TO named
 * `metadata.json` (fs.watch: 'rename', 'metadata.json'). inotify queues every event (identical consecutive ones
 * merged, which two renames never are: each has its own cookie), so none is missed while the
 * watch is up; as a check that the queue never overflowed (libuv drops IN_Q_OVERFLOW silently), the temp files
 * seen are counted too, and must match.
 */
class MetadataWatch {
  renames = 0;
  private readonly temps = new Set<string>();
  private dirWatch: FSWatcher | null = null;
  private runsWatch: FSWatcher | null = null;
  dir: string | null = null;
  /** metadata.json already there when the folder's watch went up: a write was missed. */
  late = false;

  /** Watches runs/ for the new run's folder and, the moment it appears, the folder itself. */
  constructor(ws: string) {
    const runs = runsDir(ws);
    mkdirSync(runs, { recursive: true });
    const known = new Set<string>();
    this.runsWatch = watch(runs, (_type, name) => {
      if (!name || known.has(name) || this.dir) return;
      known.add(name);
      const dir = path.join(runs, name);
      try {
        if (!statSync(dir).isDirectory()) return;
      } catch {
        return;
      }
      this.dir = dir;
      this.dirWatch = watch(dir, (type, file) => {
        if (!file) return;
        if (file === METADATA_FILE) {
          if (type === 'rename') this.renames++;
        } else if (file.startsWith(`${METADATA_FILE}.`)) this.temps.add(file);
      });
      // The first write is a rename onto a file that did not exist: if it is there already, it was missed.
      this.late = existsSync(path.join(dir, METADATA_FILE));
      this.runsWatch?.close();
      this.runsWatch = null;
    });
  }

  get tempFiles(): number {
    return this.temps.size;
  }

  close(): void {
    this.runsWatch?.close();
    this.dirWatch?.close();
  }
}

interface FanoutRun {
  runId: string;
  dir: string;
  /** First item.started → last item.succeeded, from the events' own times (ms resolution). */
  itemsWallMs: number;
  /** The run request sent → run.finished seen by this process. */
  endToEndMs: number;
  daemonCpuS: number;
  metadataWrites: number;
  tempFiles: number;
  late: boolean;
  metadataBytes: number;
  eventsBytes: number;
  eventCount: number;
  /** Date.parse(at) of the k-th item.succeeded (index k − 1): when the item count reached k. */
  doneAt: number[];
  /** Date.now() when the run request was sent. */
  requestedAt: number;
  daemonRssBeforeKb: number;
}

// One fan-out run on the daemon: request it, wait for it to end (reading metadata.json every 10 ms, not through
// a feed subscription, so the daemon sends its 20 000 item events to no one but the TUI), read what it left.
async function runFanout(daemon: BenchDaemon, ws: string, during?: (runId: string, ended: () => boolean) => Promise<void>): Promise<FanoutRun> {
  const watcher = new MetadataWatch(ws);
  try {
    const control = await daemon.connect();
    const daemonRssBeforeKb = procStatusKb(daemon.pid, 'VmRSS');
    const cpu0 = cpuSeconds(daemon.pid);
    const requestedAt = Date.now();
    const t0 = monotonicMs();
    let runId: string;
    try {
      runId = (await control.request({ command: 'run', pipeline: 'fanout', params: {} })).run_id;
    } finally {
      control.close();
    }
    const dir = path.join(runsDir(ws), runId);
    let status = 'queued';
    let endToEndMs = 0;
    // Settles with its failure rather than rejecting unheard while the run goes on; a failure ends the wait.
    let failure: unknown = null;
    const watching = during?.(runId, () => endToEndMs > 0).catch((error: unknown) => {
      failure = error ?? new Error('the watch failed');
    });
    await until(
      'the fan-out run to finish',
      () => {
        if (endToEndMs || failure) return true;
        try {
          status = (JSON.parse(readFileSync(path.join(dir, METADATA_FILE), 'utf8')) as { status: string }).status;
        } catch {
          return false;
        }
        if (['succeeded', 'failed', 'cancelled'].includes(status)) endToEndMs = monotonicMs() - t0;
        return endToEndMs > 0;
      },
      RUN_TIMEOUT_MS,
    );
    const cpu1 = cpuSeconds(daemon.pid);
    await watching;
    if (failure) throw failure;
    if (status !== 'succeeded') throw new Error(`fan-out run ${runId} ended ${status}`);
    if (watcher.dir !== dir) throw new Error(`watched ${watcher.dir ?? 'no folder'}, the run is in ${dir}`);
    // A last rename may still be in inotify's queue.
    await pause(100);

    const lines = await readLines(path.join(dir, EVENTS_FILE));
    const events = lines.map((l) => JSON.parse(l) as { type: string; at: string });
    const started = events.filter((e) => e.type === 'item.started').map((e) => Date.parse(e.at));
    const doneAt = events.filter((e) => e.type === 'item.succeeded').map((e) => Date.parse(e.at));
    if (doneAt.length !== ITEMS) throw new Error(`${doneAt.length} item.succeeded events, not ${ITEMS}`);
    return {
      runId,
      dir,
      itemsWallMs: (doneAt[doneAt.length - 1] ?? 0) - (started[0] ?? 0),
      endToEndMs,
      daemonCpuS: cpu1 - cpu0,
      metadataWrites: watcher.renames,
      tempFiles: watcher.tempFiles,
      late: watcher.late,
      metadataBytes: statSync(path.join(dir, METADATA_FILE)).size,
      eventsBytes: statSync(path.join(dir, EVENTS_FILE)).size,
      eventCount: events.length,
      doneAt,
      requestedAt,
      daemonRssBeforeKb,
    };
  } finally {
    watcher.close();
  }
}

interface ScreenSample {
  /** Date.now() when the capture came back. */
  at: number;
  shown: number;
}

interface TuiWatch {
  samples: ScreenSample[];
  rssMaxKb: number;
  rssBeforeKb: number;
  hwmKb: number;
  cpuS: number;
  captures: number;
  captureMs: number;
}

// Captures the TUI's screen back to back (at most one each POLL_MS) until its row says every item is done,
// reading its VmRSS meanwhile.
async function watchTui(tmux: TmuxControl, pid: number, runId: string, ended: () => boolean): Promise<TuiWatch> {
  const samples: ScreenSample[] = [];
  const rssBeforeKb = procStatusKb(pid, 'VmRSS');
  const cpu0 = cpuSeconds(pid);
  let rssMaxKb = rssBeforeKb;
  let lastRss = 0;
  const captures0 = tmux.captures;
  const captureMs0 = tmux.captureMs;
  let deadline = Infinity;
  for (;;) {
    const start = monotonicMs();
    const screen = await tmux.capture('tui');
    const at = Date.now();
    // Only the run's own row: its detail header names it.
    const match = screen.includes(runId) ? ITEMS_SHOWN.exec(screen) : null;
    if (match) samples.push({ at, shown: Number(match[1]) });
    if (start - lastRss >= RSS_EVERY_MS) {
      rssMaxKb = Math.max(rssMaxKb, procStatusKb(pid, 'VmRSS'));
      lastRss = start;
    }
    if (match && Number(match[1]) >= ITEMS) break;
    if (deadline === Infinity && ended()) deadline = start + SCREEN_GRACE_MS;
    if (start > deadline) throw new Error(`the TUI did not show items ${ITEMS}/${ITEMS} within ${SCREEN_GRACE_MS} ms of the run's end\n--- last screen ---\n${screen}`);
    const wait = start + POLL_MS - monotonicMs();
    if (wait > 0) await pause(wait);
  }
  rssMaxKb = Math.max(rssMaxKb, procStatusKb(pid, 'VmRSS'));
  return {
    samples,
    rssMaxKb,
    rssBeforeKb,
    hwmKb: procStatusKb(pid, 'VmHWM'),
    cpuS: cpuSeconds(pid) - cpu0,
    captures: tmux.captures - captures0,
    captureMs: tmux.captureMs - captureMs0,
  };
}

// For each item count k, the first capture showing at least k, minus when the k-th item.succeeded was told: how
// long the screen lagged behind each event, superseded ones included.
function eventToScreen(doneAt: number[], samples: ScreenSample[]): number[] {
  const latencies: number[] = [];
  let s = 0;
  for (let k = 1; k <= doneAt.length; k++) {
    const told = doneAt[k - 1] ?? 0;
    // A capture that came back before the event was told cannot be its showing (both times are whole ms).
    while (s < samples.length && ((samples[s]?.shown ?? 0) < k || (samples[s]?.at ?? 0) < told)) s++;
    const sample = samples[s];
    if (!sample) break;
    latencies.push(sample.at - told);
  }
  return latencies;
}

const mb = (kb: number): number => kb / 1024;

// What each item's end costs the daemon beyond its process: stopLeftovers looks for processes the attempt left
// outside its group, by their environment. Timed here as local-executor.ts calls it, after a `true` that has exited.
async function timeLeftoverScan(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SCANS; i++) {
    const child = spawn('true', [], { stdio: 'ignore' });
    const leader = child.pid;
    await new Promise((resolve) => child.once('close', resolve));
    const env = { PIPE_RUN_ID: 'bench-no-such-run', PIPE_STAGE_INDEX: '0', PIPE_ATTEMPT: '1', PIPE_ITEM_INDEX: String(i) };
    const start = performance.now();
    await stopLeftovers(env, 0, leader);
    times.push(performance.now() - start);
  }
  return times;
}

export async function fanout(): Promise<BenchResult> {
  const parallel = availableParallelism();
  return withWorkspace('fanout', async (ws) => {
    await writeFile(path.join(ws, 'items.txt'), `${Array.from({ length: ITEMS }, (_, i) => `item-${i}`).join('\n')}\n`);
    const pipeline = { name: 'fanout', stages: [{ id: 'fan', foreach: { file: 'items.txt' }, max_parallel: parallel, run: ['true'] }] };
    await writeFile(path.join(ws, 'pipelines', 'fanout.yaml'), `${JSON.stringify(pipeline, null, 2)}\n`);

    const processes = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
    const scanMs = await timeLeftoverScan();

    await spawnBaseline(200, parallel); // warm-up
    const benchRssKb = procStatusKb(process.pid, 'VmRSS');
    const baselineCpu0 = process.cpuUsage();
    const baselineMs = await spawnBaseline(ITEMS, parallel);
    const baselineCpu = process.cpuUsage(baselineCpu0);
    const baselineCpuMs = (baselineCpu.user + baselineCpu.system) / 1000;

    return withDaemon(ws, [], (daemon) =>
      withTmux('fanout', async (tmux) => {
        // The TUI open and live before the run, as a user would have it.
        const pid = await launchTui(tmux, 'tui', ws);
        await pollScreen(tmux, 'tui', LIVE, { timeoutMs: 20_000, intervalMs: 20 });
        await pause(1000);
        const tmuxPid = Number((await tmux.command('display-message', '-p', '#{pid}')).trim());
        const tmuxCpu0 = cpuSeconds(tmuxPid);
        const benchCpu0 = process.cpuUsage();
        let tui: TuiWatch | null = null;
        const run = await runFanout(daemon, ws, async (runId, ended) => {
          tui = await watchTui(tmux, pid, runId, ended);
        });
        const benchCpu = process.cpuUsage(benchCpu0);
        const tmuxCpuS = cpuSeconds(tmuxPid) - tmuxCpu0;
        const daemonRssKb = procStatusKb(daemon.pid, 'VmRSS');
        const daemonHwmKb = procStatusKb(daemon.pid, 'VmHWM');
        if (!tui) throw new Error('the TUI was not watched');
        const seen: TuiWatch = tui;

        const latencies = eventToScreen(run.doneAt, seen.samples);
        if (latencies.length < ITEMS) throw new Error(`only ${latencies.length} of ${ITEMS} item counts were seen on the screen`);
        const distinct = new Set(seen.samples.map((s) => s.shown)).size;
        const firstShown = seen.samples[0];
        const overheadPerSlot = ((run.itemsWallMs - baselineMs) * parallel) / ITEMS;
        const overheadWall = (run.itemsWallMs - baselineMs) / ITEMS;
        const n = ITEMS.toLocaleString('en-US');
        // Wall per item over the first and the last tenth of the items: a cost that grows with the items done shows here.
        const tenth = ITEMS / 10;
        const firstTenth = ((run.doneAt[tenth - 1] ?? 0) - (run.doneAt[0] ?? 0)) / (tenth - 1);
        const lastTenth = ((run.doneAt[ITEMS - 1] ?? 0) - (run.doneAt[ITEMS - tenth] ?? 0)) / (tenth - 1);

        return {
          name: 'fanout',
          title: `Fan-out: one stage \`foreach\` over ${n} items of \`run: [true]\`, max_parallel ${parallel}, on a real daemon, the TUI watching`,
          figures: [
            { key: 'parallel', label: "max_parallel (the machine's cores)", value: parallel, unit: '', digits: 0 },
            { key: 'fanout_wall_ms', label: `fan-out of ${n} \`true\`: first item started → last succeeded`, value: run.itemsWallMs, unit: 'ms', digits: 0 },
            { key: 'baseline_wall_ms', label: `the same ${n} \`true\` spawned by the bench, ${parallel} at once`, value: baselineMs, unit: 'ms', digits: 0 },
            { key: 'fanout_per_item_ms', label: 'fan-out wall / items', value: run.itemsWallMs / ITEMS, unit: 'ms', digits: 2 },
            { key: 'baseline_per_item_ms', label: 'baseline wall / items', value: baselineMs / ITEMS, unit: 'ms', digits: 2 },
            {
              key: 'overhead_per_item_slot_ms',
              label: `overhead per item on its slot ((fan-out − baseline) × ${parallel} / items)`,
              value: overheadPerSlot,
              unit: 'ms',
              digits: 2,
              goal: { max: GOAL_OVERHEAD_MS, text: `≤ ${GOAL_OVERHEAD_MS} ms` },
            },
            { key: 'overhead_per_item_wall_ms', label: 'overhead per item of wall time ((fan-out − baseline) / items)', value: overheadWall, unit: 'ms', digits: 2 },
            { key: 'fanout_ratio', label: 'fan-out / baseline', value: run.itemsWallMs / baselineMs, unit: '×', digits: 2 },
            { key: 'first_tenth_per_item_ms', label: `fan-out wall per item, first ${tenth} items`, value: firstTenth, unit: 'ms', digits: 2 },
            { key: 'last_tenth_per_item_ms', label: `fan-out wall per item, last ${tenth} items`, value: lastTenth, unit: 'ms', digits: 2 },
            { key: 'daemon_cpu_ms_per_item', label: 'daemon CPU per item (utime + stime)', value: (run.daemonCpuS * 1000) / ITEMS, unit: 'ms', digits: 2 },
            { key: 'baseline_cpu_ms_per_item', label: "the bench's CPU per item spawning the baseline", value: baselineCpuMs / ITEMS, unit: 'ms', digits: 2 },
            { key: 'daemon_cpu_beyond_spawn_ms_per_item', label: 'daemon CPU per item beyond that', value: (run.daemonCpuS * 1000 - baselineCpuMs) / ITEMS, unit: 'ms', digits: 2 },
            { key: 'leftover_scan_ms', label: "stopLeftovers at an item's end (timed in the bench), median", value: median(scanMs), unit: 'ms', digits: 2 },
            { key: 'end_to_end_ms', label: 'run request → run finished', value: run.endToEndMs, unit: 'ms', digits: 0 },
            { key: 'metadata_bytes', label: 'metadata.json at the end', value: run.metadataBytes, unit: 'B', digits: 0 },
            { key: 'metadata_writes', label: 'metadata.json writes, whole run', value: run.metadataWrites, unit: '', digits: 0 },
            { key: 'metadata_writes_per_s', label: 'metadata.json writes a second', value: run.metadataWrites / (run.endToEndMs / 1000), unit: '/s', digits: 1 },
            { key: 'events_bytes', label: 'events.ndjson at the end', value: run.eventsBytes, unit: 'B', digits: 0 },
            { key: 'events', label: 'events in events.ndjson', value: run.eventCount, unit: '', digits: 0 },
            { key: 'tui_p50_ms', label: 'TUI: item.succeeded → screen, p50', value: percentile(latencies, 50), unit: 'ms', digits: 1 },
            { key: 'tui_p99_ms', label: 'TUI: item.succeeded → screen, p99', value: percentile(latencies, 99), unit: 'ms', digits: 1, goal: { max: GOAL_P99_MS, text: `≤ ${GOAL_P99_MS} ms` } },
            { key: 'tui_max_ms', label: 'TUI: item.succeeded → screen, max', value: Math.max(...latencies), unit: 'ms', digits: 1 },
            { key: 'tui_rss_peak_mb', label: 'TUI peak RSS (VmHWM) after the fan-out', value: mb(seen.hwmKb), unit: 'MB', digits: 1, goal: { max: GOAL_RSS_MB, text: `≤ ${GOAL_RSS_MB} MB` } },
            { key: 'tui_rss_max_mb', label: `TUI RSS, highest reading (every ${RSS_EVERY_MS} ms)`, value: mb(seen.rssMaxKb), unit: 'MB', digits: 1 },
            { key: 'tui_rss_before_mb', label: 'TUI RSS before the run', value: mb(seen.rssBeforeKb), unit: 'MB', digits: 1 },
            { key: 'tui_cpu_s', label: 'TUI CPU during the fan-out', value: seen.cpuS, unit: 's', digits: 2 },
            { key: 'daemon_rss_before_mb', label: 'daemon RSS before the run', value: mb(run.daemonRssBeforeKb), unit: 'MB', digits: 1 },
            { key: 'daemon_rss_mb', label: 'daemon RSS at the end', value: mb(daemonRssKb), unit: 'MB', digits: 1 },
            { key: 'daemon_rss_peak_mb', label: 'daemon peak RSS (VmHWM)', value: mb(daemonHwmKb), unit: 'MB', digits: 1 },
          ],
          notes: [
            `the goal is judged on the overhead per item on its slot: each of the ${parallel} slots runs its items one after another, so (fan-out wall − baseline wall) × ${parallel} / ${ITEMS} is what a slot spends on an item beyond what starting and reaping its process costs Node (stage-overhead's "per stage" is the same figure at one slot). The wall figure, ${parallel}× smaller, is what the run grows by per item; as the daemon does its part on one thread, it is the fairer picture of throughput, but it hides ${parallel - 1} of ${parallel} slots' waits`,
            `fan-out wall from the first item.started to the last item.succeeded (their \`at\`, ms resolution) in events.ndjson, so the run's own start and end are out; baseline: child_process.spawn('true') with stdout and stderr piped and drained, awaited to 'close', ${parallel} at once, after 200 to warm up, just before the run, from the bench process at ${mb(benchRssKb).toFixed(0)} MB RSS (a fork's cost grows with its parent's memory: see the daemon's RSS above)`,
            `daemon CPU: utime + stime of /proc/${daemon.pid}/stat from the run request to the run finished, ${run.daemonCpuS.toFixed(2)} s; its end is seen by reading metadata.json every 10 ms, not by a feed subscription, so the daemon sends its ${run.eventCount} events to no client but the TUI`,
            `the run shares the ${parallel} cores with the TUI (${seen.cpuS.toFixed(1)} s CPU), the tmux server (${tmuxCpuS.toFixed(1)} s) and this process polling the screen (${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)} s), and with whatever else the machine runs (load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
            `metadata.json writes: fs.watch (inotify) on runs/, then on the run's folder the moment it appears; every rename onto metadata.json (IN_MOVED_TO) counted, ${run.tempFiles} distinct temp files seen beside it (${run.tempFiles === run.metadataWrites ? 'as many as the renames: no event lost' : 'NOT as many as the renames: inotify lost events, the count is a floor'})${run.late ? '; metadata.json was ALREADY THERE when the folder was watched: the first write(s) were missed' : '; metadata.json was not yet there when the folder was watched, so no write was missed'}`,
            `stopLeftovers (local-executor.ts, at each item's end: readdir /proc, then the environ of each process born since the item's leader) timed ${SCANS} times in this process with ${processes} processes on the machine: ${scanMs.map((v) => v.toFixed(2)).join(', ')} ms`,
            `TUI (pid ${pid}) in a ${TUI_COLUMNS}×${TUI_ROWS} tmux pane of a private server, open and ● live before the run; the run's row \`items N/${ITEMS}\` read off a capture every ${POLL_MS} ms at most (only screens showing the run's id) (${seen.captures} captures, ${(seen.captureMs / seen.captures).toFixed(2)} ms a round trip); ${distinct} different counts seen, the first ${firstShown ? ((firstShown.at - run.requestedAt) / 1000).toFixed(2) : '—'} s after the run request`,
            `latency: for every k of 1…${ITEMS}, the first capture showing a count ≥ k minus the \`at\` of the k-th item.succeeded (the daemon's Date, the clock of the bench's Date.now(), ms resolution), ${latencies.length} samples, p90 ${percentile(latencies, 90).toFixed(1)} ms; includes up to ${POLL_MS} ms of polling and the TUI's batching of changes into one render per ${FRAME_MS} ms`,
          ],
        };
      }),
    );
  });
}
