// `npm run bench [-- NAME…] [-- --strict]`: runs the benchmarks one after another, prints each figure with its
// goal and PASS/MISS, then one `BENCH_JSON {...}` line with every number. Exit code 1 when a benchmark breaks
// (a run fails, a log is short); a MISS alone exits 0 unless --strict.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { type BenchResult, type Figure, passes, round } from './bench-helpers.js';
import { etaAccuracy } from './eta-accuracy.js';
import { fanout } from './fanout.js';
import { feedFanout } from './feed-fanout.js';
import { feedLatency } from './feed-latency.js';
import { floodLatency } from './flood-latency.js';
import { lsJson } from './ls-json.js';
import { logSearch } from './log-search.js';
import { logTail1gb } from './log-tail-1gb.js';
import { logThroughput } from './log-throughput.js';
import { progressFlood } from './progress-flood.js';
import { resourceSampling } from './resource-sampling.js';
import { scale } from './scale.js';
import { slurmWatch } from './slurm-watch.js';
import { stageOverhead } from './stage-overhead.js';
import { tqdmFrames } from './tqdm-frames.js';
import { tuiIdleCpu } from './tui-idle-cpu.js';
import { tuiLatency } from './tui-latency.js';
import { tuiLogPaging } from './tui-log-paging.js';
import { tuiRss } from './tui-rss.js';
import { tuiStartup } from './tui-startup.js';

const BENCHMARKS: { name: string; run: () => Promise<BenchResult> }[] = [
  { name: 'stage-overhead', run: stageOverhead },
  { name: 'log-throughput', run: logThroughput },
  { name: 'progress-flood', run: progressFlood },
  { name: 'tqdm-frames', run: tqdmFrames },
  { name: 'resource-sampling', run: resourceSampling },
  { name: 'feed-latency', run: feedLatency },
  { name: 'feed-fanout', run: feedFanout },
  { name: 'tui-latency', run: tuiLatency },
  { name: 'flood-latency', run: floodLatency },
  { name: 'tui-startup', run: tuiStartup },
  { name: 'tui-idle-cpu', run: tuiIdleCpu },
  { name: 'tui-rss', run: tuiRss },
  { name: 'tui-log-paging', run: tuiLogPaging },
  { name: 'log-tail-1gb', run: logTail1gb },
  { name: 'log-search', run: logSearch },
  { name: 'ls-json', run: lsJson },
  { name: 'eta-accuracy', run: etaAccuracy },
  { name: 'slurm-watch', run: slurmWatch },
  { name: 'fanout', run: fanout },
  { name: 'scale', run: scale },
];

function formatValue(f: Figure): string {
  const digits = f.digits ?? 2;
  const n = f.value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (!f.unit) return n;
  return f.unit === '×' ? `${n}×` : `${n} ${f.unit}`;
}

function printResult(result: BenchResult): void {
  const labelWidth = Math.max(...result.figures.map((f) => f.label.length));
  const valueWidth = Math.max(...result.figures.map((f) => formatValue(f).length));
  const goalWidth = Math.max(...result.figures.map((f) => (f.goal ? `goal ${f.goal.text}` : '').length));
  console.log(`\n== ${result.name}: ${result.title}`);
  for (const f of result.figures) {
    const ok = passes(f);
    const goal = f.goal ? `goal ${f.goal.text}` : '';
    const verdict = ok === null ? '' : ok ? 'PASS' : 'MISS';
    console.log(`  ${f.label.padEnd(labelWidth)}  ${formatValue(f).padStart(valueWidth)}  ${goal.padEnd(goalWidth)}  ${verdict}`.trimEnd());
  }
  for (const note of result.notes) console.log(`  · ${note}`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  const wanted = args.filter((a) => !a.startsWith('--'));
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})`);
    return 2;
  }
  const selected = BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name));

  console.log(`pipe-tui benchmarks — node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPU(s), tmp ${os.tmpdir()}`);
  const suiteStart = performance.now();
  const json: Record<string, unknown> = {};
  let broken = 0;
  let missed = 0;
  for (const bench of selected) {
    const start = performance.now();
    try {
      const result = await bench.run();
      printResult(result);
      const seconds = (performance.now() - start) / 1000;
      console.log(`  (${seconds.toFixed(1)} s)`);
      const figures: Record<string, number> = {};
      const verdicts: Record<string, 'PASS' | 'MISS'> = {};
      for (const f of result.figures) {
        figures[f.key] = round(f.value, Math.max(f.digits ?? 2, 2));
        const ok = passes(f);
        if (ok !== null) {
          verdicts[f.key] = ok ? 'PASS' : 'MISS';
          if (!ok) missed++;
        }
      }
      json[result.name] = { ...figures, verdicts, seconds: round(seconds, 1) };
    } catch (error) {
      broken++;
      console.log(`\n== ${bench.name}: BROKEN`);
      console.log(`  ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      json[bench.name] = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  const total = (performance.now() - suiteStart) / 1000;
  console.log(`\n${broken ? `${broken} benchmark(s) BROKEN, ` : ''}${missed ? `${missed} goal(s) MISSED` : 'all goals PASS'} in ${total.toFixed(1)} s`);
  console.log(
    `BENCH_JSON ${JSON.stringify({
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
      cpus: os.cpus().length,
      seconds: round(total, 1),
      pass: broken === 0 && missed === 0,
      ...json,
    })}`,
  );
  if (broken) return 1;
  return strict && missed ? 1 : 0;
}

process.exitCode = await main();
