import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { History } from '../src/daemon/engine/history-writer.js';
import type { HistoryRecord } from '../src/shared/history-record.js';
import { applyEvent } from '../src/shared/apply-event.js';
import { runRemainingMs, stageRemainingMs } from '../src/shared/eta.js';
import type { RunEvent, RunEventBody } from '../src/shared/events.js';
import type { RunMetadata } from '../src/shared/metadata-schema.js';
import { seededRandom } from '../test/helpers/seeded-random.js';
import { type BenchResult, median, monotonicMs, pause, withDaemon, withWorkspace, writePipeline } from './bench-helpers.js';

// ETA accuracy: how far the run's ETA is from the time it actually took, at 25 %, 50 % and 75 % of each run.
// Two ways: the shared model driven through applyEvent with simulated clocks (many runs, exact), and a real daemon
// running a real pipeline (fewer runs, every moving part).

const CHECKPOINTS = [0.25, 0.5, 0.75];
const HISTORY_RUNS = 10;
const GOAL_ERROR = 0.15;
const SPREAD = 0.2;

// ─── Simulation ──────────────────────────────────────────────────────────────────────────────────────────────
/** Usual seconds of each stage; the odd ones report 10 substages, the even ones are silent. */
const SIM_STAGES = [20, 60, 120, 40, 90, 30];
const SIM_RUNS = 200;

interface Timed {
  ms: number;
  body: RunEventBody;
}

// One run's events at their times: each stage ±20 % of its usual length, its substages ±20 % of each other.
function simulatedRun(random: () => number): { events: Timed[]; total: number; stageSpans: [number, number][] } {
  const vary = (x: number): number => x * (1 - SPREAD + 2 * SPREAD * random());
  const events: Timed[] = [{ ms: 0, body: { type: 'run.started' } }];
  const stageSpans: [number, number][] = [];
  let t = 0;
  SIM_STAGES.forEach((usual, stage) => {
    const length = vary(usual * 1000);
    events.push({ ms: t, body: { type: 'stage.started', stage, attempt: 1, pgid: null } });
    if (stage % 2 === 1) {
      const weights = Array.from({ length: 10 }, () => vary(1));
      const sum = weights.reduce((a, b) => a + b, 0);
      let at = t;
      weights.forEach((w, i) => {
        at += (w / sum) * length;
        events.push({ ms: at, body: { type: 'stage.progress', stage, current: i + 1, total: 10, message: null } });
      });
    }
    stageSpans.push([t, t + length]);
    t += length;
    events.push({ ms: t, body: { type: 'stage.succeeded', stage, outputs: [] } });
  });
  events.push({ ms: t, body: { type: 'run.finished', status: 'succeeded', error: null } });
  return { events, total: t, stageSpans };
}

const T0 = Date.parse('2026-11-24T00:00:00.000Z');

function fold(events: Timed[], upTo: number, estimates: RunEventBody | null): RunMetadata {
  const stages = SIM_STAGES.map((_, i) => ({ id: `s${i}`, optional: false, max_attempts: 1, outputs: [] }));
  const all: RunEventBody[] = [
    { type: 'run.created', pipeline: 'sim', params: {}, stages } as RunEventBody,
    ...(estimates ? [estimates] : []),
    ...events.filter((e) => e.ms <= upTo).map((e) => e.body),
  ];
  let state: RunMetadata | null = null;
  all.forEach((body, i) => {
    const ms = i === 0 ? 0 : (events.find((e) => e.body === body)?.ms ?? 0);
    state = applyEvent(state, { ...body, seq: i + 1, run_id: 'sim', at: new Date(T0 + ms).toISOString() } as RunEvent);
  });
  return state as unknown as RunMetadata;
}

async function simulate(ws: string): Promise<{ withHistory: number[]; rateOnly: number[] }> {
  const random = seededRandom(20261124);
  const history = await History.open(ws);
  for (let r = 0; r < HISTORY_RUNS; r++) {
    const { stageSpans } = simulatedRun(random);
    const records: HistoryRecord[] = stageSpans.map(([from, to], index) => ({
      run_id: `h${r}`, pipeline: 'sim', stage: `s${index}`, index, status: 'succeeded', duration_ms: Math.round(to - from),
      attempts: 1, error_code: null, ended_at: new Date(T0 + r * 3_600_000 + to).toISOString(),
    }));
    history.append(records);
  }
  const estimates: RunEventBody = { type: 'run.estimated', stages: history.estimates('sim', SIM_STAGES.map((_, i) => `s${i}`)) };
  const withHistory = CHECKPOINTS.map(() => [] as number[]);
  const rateOnly = CHECKPOINTS.map(() => [] as number[]);
  for (let r = 0; r < SIM_RUNS; r++) {
    const { events, total, stageSpans } = simulatedRun(random);
    CHECKPOINTS.forEach((c, k) => {
      const now = c * total;
      const eta = runRemainingMs(fold(events, now, estimates), T0 + now);
      withHistory[k]?.push(eta === null ? Number.POSITIVE_INFINITY : Math.abs(eta - (total - now)) / (total - now));
      // Without history: each reporting stage's own ETA from its substage rate, at the same share of its span.
      stageSpans.forEach(([from, to], stage) => {
        if (stage % 2 === 0) return;
        const at = from + c * (to - from);
        const s = fold(events, at, null).stages[stage];
        const left = s ? stageRemainingMs(s, T0 + at) : null;
        if (left !== null) rateOnly[k]?.push(Math.abs(left - (to - at)) / (to - at));
      });
    });
  }
  return { withHistory: withHistory.map(median), rateOnly: rateOnly.map(median) };
}

// ─── A real daemon ───────────────────────────────────────────────────────────────────────────────────────────
const REAL_STAGES = [0.6, 1.2, 0.8, 1.0];
const REAL_RUNS = 4;

// Each stage sleeps its usual seconds ±20 % (random per run), the odd ones in ten reported steps.
function realStage(usual: number, index: number): { id: string; run: string } {
  const pick = `d=$(awk -v s=$$ -v b=${usual} 'BEGIN{srand(s); printf "%.3f", b*(0.8+0.4*rand())}')`;
  const body = index % 2 === 1 ? `for i in 1 2 3 4 5 6 7 8 9 10; do sleep $(awk -v d=$d 'BEGIN{print d/10}'); echo "::pipe:progress $i/10"; done` : 'sleep $d';
  return { id: `s${index}`, run: `${pick}; ${body}` };
}

async function realDaemon(ws: string): Promise<number[]> {
  await writePipeline(ws, 'eta', REAL_STAGES.map(realStage));
  return withDaemon(ws, [], async (daemon) => {
    const connection = await daemon.connect();
    const runOnce = async (sample: (state: RunMetadata) => void): Promise<void> => {
      const { run_id } = await connection.request({ command: 'run', pipeline: 'eta', params: {} });
      const file = path.join(ws, 'runs', run_id, 'metadata.json');
      for (;;) {
        await pause(50);
        const state = JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as RunMetadata | null;
        if (!state) continue;
        if (state.status === 'succeeded') return;
        if (state.status !== 'running' && state.status !== 'queued') throw new Error(`eta run ended ${state.status}`);
        sample(state);
      }
    };
    for (let i = 0; i < HISTORY_RUNS; i++) await runOnce(() => undefined);
    const errors = CHECKPOINTS.map(() => [] as number[]);
    for (let i = 0; i < REAL_RUNS; i++) {
      const samples: { at: number; eta: number | null; started: number }[] = [];
      await runOnce((state) => {
        if (state.started_at) samples.push({ at: Date.now(), eta: runRemainingMs(state, Date.now()), started: Date.parse(state.started_at) });
      });
      const end = Date.now();
      const first = samples[0];
      if (!first) continue;
      const total = end - first.started;
      CHECKPOINTS.forEach((c, k) => {
        const target = first.started + c * total;
        const nearest = samples.reduce((a, b) => (Math.abs(b.at - target) < Math.abs(a.at - target) ? b : a));
        const left = end - nearest.at;
        errors[k]?.push(nearest.eta === null ? Number.POSITIVE_INFINITY : Math.abs(nearest.eta - left) / left);
      });
    }
    connection.close();
    return errors.map(median);
  });
}

export async function etaAccuracy(): Promise<BenchResult> {
  const started = monotonicMs();
  const sim = await withWorkspace('eta-sim', simulate);
  const real = await withWorkspace('eta-real', realDaemon);
  const pct = (x: number): number => x * 100;
  const goal = { max: GOAL_ERROR * 100, text: `≤ ${GOAL_ERROR * 100} %` };
  return {
    name: 'eta-accuracy',
    title: `Run ETA vs. the time the run then took: median absolute error, as a share of the time actually left, after ${HISTORY_RUNS} runs of history (stages ±${SPREAD * 100} %)`,
    figures: [
      ...CHECKPOINTS.map((c, k) => ({ key: `model_${c * 100}`, label: `model, at ${c * 100} % of the run`, value: pct(sim.withHistory[k] ?? 0), unit: '%', digits: 1, goal })),
      ...CHECKPOINTS.map((c, k) => ({ key: `daemon_${c * 100}`, label: `real daemon, at ${c * 100} % of the run`, value: pct(real[k] ?? 0), unit: '%', digits: 1, goal })),
      ...CHECKPOINTS.map((c, k) => ({ key: `rate_only_${c * 100}`, label: `no history, a stage's ETA from its substage rate, at ${c * 100} % of the stage`, value: pct(sim.rateOnly[k] ?? 0), unit: '%', digits: 1 })),
    ],
    notes: [
      `model: ${SIM_RUNS} simulated runs of ${SIM_STAGES.length} stages (usual ${SIM_STAGES.join(', ')} s; every other one reports 10 substages of ±${SPREAD * 100} % each) folded through applyEvent; ETA = runRemainingMs(state, now) at each checkpoint; seed 20261124`,
      `real daemon: pipeline of ${REAL_STAGES.length} shell stages (usual ${REAL_STAGES.join(', ')} s, ±${SPREAD * 100} % per run, two report progress); ${HISTORY_RUNS} runs of history, then ${REAL_RUNS} runs whose metadata.json is read every 50 ms and its ETA taken as the TUI shows it`,
      `took ${((monotonicMs() - started) / 1000).toFixed(1)} s`,
    ],
  };
}
