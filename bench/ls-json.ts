import { execa } from 'execa';
import { type BenchResult, CLI_BIN, median, monotonicMs, pause, withWorkspace } from './bench-helpers.js';
import { writeFinishedRuns } from './tui-harness.js';

const RUNS = 2000;
const REPS = 3;
const GOAL_MS = 1000;

/** Wall time of one command, its stdout read whole as a script reading it would. */
async function timedCli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const start = monotonicMs();
  const result = await execa(process.execPath, [CLI_BIN, ...args], { reject: false, stripFinalNewline: false, maxBuffer: 256 * 1024 * 1024 });
  const ms = monotonicMs() - start;
  if (result.exitCode !== 0) throw new Error(`pipe-tui ${args.join(' ')} exited ${result.exitCode}: ${String(result.stderr).trim()}`);
  return { ms, stdout: String(result.stdout) };
}

export async function lsJson(): Promise<BenchResult> {
  return withWorkspace('ls-json', async (ws) => {
    await writeFinishedRuns(ws, RUNS);
    const ls = ['ls', '--json', '--workspace', ws];
    const check = (stdout: string): void => {
      const listed = JSON.parse(stdout) as unknown[];
      if (!Array.isArray(listed) || listed.length !== RUNS) throw new Error(`ls --json listed ${Array.isArray(listed) ? listed.length : 'no array'}, expected ${RUNS}`);
    };
    // Once first, not counted: the page cache.
    check((await timedCli(ls)).stdout);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < REPS; i++) {
      await pause();
      const { ms, stdout } = await timedCli(ls);
      check(stdout);
      bytes = Buffer.byteLength(stdout);
      times.push(ms);
    }
    // The part of it any command pays: node starting and loading the bundle.
    const baseline: number[] = [];
    for (let i = 0; i < REPS; i++) {
      await pause();
      baseline.push((await timedCli(['--version'])).ms);
    }
    return {
      name: 'ls-json',
      title: `\`pipe-tui ls --json\` of ${RUNS.toLocaleString('en-US')} runs: wall time (median of ${REPS})`,
      figures: [
        { key: 'ms', label: 'ls --json', value: median(times), unit: 'ms', digits: 0, goal: { max: GOAL_MS, text: `≤ ${GOAL_MS} ms` } },
        { key: 'max_ms', label: 'slowest', value: Math.max(...times), unit: 'ms', digits: 0 },
        { key: 'version_ms', label: 'pipe-tui --version (startup)', value: median(baseline), unit: 'ms', digits: 0 },
        { key: 'output_mb', label: 'JSON printed', value: bytes / 1024 / 1024, unit: 'MB', digits: 2 },
      ],
      notes: [
        `spawn to exit of the built binary with stdout read whole, no daemon; runs made from test/fixtures/runs/v1/metadata.json (metadata.json only); one run before not counted; times ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
      ],
    };
  });
}
