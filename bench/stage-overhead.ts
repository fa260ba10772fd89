import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import {
  type BenchResult,
  CLI_BIN,
  REPO_ROOT,
  median,
  pause,
  runInProcess,
  runProcessOk,
  withWorkspace,
  writePipeline,
} from './bench-helpers.js';

const STAGES = 20;
const REPS = 5;
const CLI_REPS = 3;
const GOAL_MS = 15;

// One `/bin/sh -c true` spawned the way a bare Node program would: stdout and stderr piped (as the engine does,
// to read them), timed to 'close' so both pipes are drained.
function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`sh -c true exited ${code}`))));
  });
}

async function sequentialSpawns(n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await spawnTrue();
  return performance.now() - start;
}

// The same through execa with the options the engine's local executor uses.
async function sequentialExeca(n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const child = execa('/bin/sh', ['-c', 'true'], { detached: true, cleanup: false, stdin: 'ignore', buffer: false, reject: false });
    child.stdout?.resume();
    child.stderr?.resume();
    const result = await child;
    if (result.exitCode !== 0) throw new Error(`execa sh -c true exited ${result.exitCode}`);
  }
  return performance.now() - start;
}

export async function stageOverhead(): Promise<BenchResult> {
  return withWorkspace('stages', async (ws) => {
    const name = 'stages20';
    await writePipeline(
      ws,
      name,
      Array.from({ length: STAGES }, (_, i) => ({ id: `s${String(i + 1).padStart(2, '0')}`, run: 'true' })),
    );

    // Warm-up: module loading, JIT, the first fsync in a new folder.
    await runInProcess(ws, name);
    await sequentialSpawns(STAGES);
    await sequentialExeca(STAGES);

    // Interleaved so drift in machine load hits all three alike.
    const engine: number[] = [];
    const spawns: number[] = [];
    const execas: number[] = [];
    let writes = 0;
    for (let r = 0; r < REPS; r++) {
      const run = await runInProcess(ws, name);
      engine.push(run.ms);
      writes = run.metadataWrites;
      await pause();
      spawns.push(await sequentialSpawns(STAGES));
      await pause();
      execas.push(await sequentialExeca(STAGES));
      await pause();
    }

    // The built CLI, end to end: node startup, loading the bundle, the run, exit.
    const cliArgs = [CLI_BIN, 'run', name, '--foreground', '--workspace', ws];
    const cliVersionArgs = [CLI_BIN, '--version'];
    await runProcessOk(process.execPath, cliArgs, { cwd: REPO_ROOT });
    const cli: number[] = [];
    const cliStartup: number[] = [];
    const nodeBare: number[] = [];
    for (let r = 0; r < CLI_REPS; r++) {
      cli.push(await runProcessOk(process.execPath, cliArgs, { cwd: REPO_ROOT }));
      cliStartup.push(await runProcessOk(process.execPath, cliVersionArgs, { cwd: REPO_ROOT }));
      nodeBare.push(await runProcessOk(process.execPath, ['-e', '0'], { cwd: REPO_ROOT }));
    }

    const total = median(engine);
    const spawnTotal = median(spawns);
    const execaTotal = median(execas);
    const cliTotal = median(cli);
    return {
      name: 'stage-overhead',
      title: `Per-stage overhead: ${STAGES} stages of \`true\` (median of ${REPS}; CLI median of ${CLI_REPS})`,
      figures: [
        { key: 'engine_total_ms', label: `pipe-tui in-process, ${STAGES} stages, total`, value: total, unit: 'ms', digits: 1 },
        // Wall time includes forking `sh` itself (~10 ms here), which no runner can avoid; the goal is on overhead.
        { key: 'per_stage_ms', label: 'wall time per stage (total / 20)', value: total / STAGES, unit: 'ms', digits: 2 },
        { key: 'spawn_total_ms', label: `${STAGES} sequential child_process spawns of sh -c true`, value: spawnTotal, unit: 'ms', digits: 1 },
        { key: 'execa_total_ms', label: `${STAGES} sequential execa spawns of sh -c true`, value: execaTotal, unit: 'ms', digits: 1 },
        {
          key: 'overhead_per_stage_ms',
          label: 'overhead per stage beyond the process ((total − spawns) / 20)',
          value: (total - spawnTotal) / STAGES,
          unit: 'ms',
          digits: 2,
          goal: { max: GOAL_MS, text: `≤ ${GOAL_MS} ms` },
        },
        { key: 'overhead_vs_execa_per_stage_ms', label: 'overhead per stage beyond execa ((total − execa) / 20)', value: (total - execaTotal) / STAGES, unit: 'ms', digits: 2 },
        { key: 'metadata_writes', label: 'metadata.json writes in one run', value: writes, unit: '', digits: 0 },
        { key: 'cli_total_ms', label: 'CLI end-to-end (node bin/pipe-tui.js run --foreground)', value: cliTotal, unit: 'ms', digits: 1 },
        { key: 'cli_per_stage_ms', label: 'CLI end-to-end per stage (total / 20)', value: cliTotal / STAGES, unit: 'ms', digits: 2 },
        { key: 'cli_startup_ms', label: 'CLI startup alone (node bin/pipe-tui.js --version)', value: median(cliStartup), unit: 'ms', digits: 1 },
        { key: 'node_startup_ms', label: 'bare node startup (node -e 0)', value: median(nodeBare), unit: 'ms', digits: 1 },
        { key: 'cli_minus_engine_ms', label: 'CLI end-to-end − in-process run (process startup cost)', value: cliTotal - total, unit: 'ms', digits: 1 },
      ],
      notes: [
        `in-process runs (ms): ${engine.map((v) => v.toFixed(1)).join(', ')}`,
        `child_process spawns (ms): ${spawns.map((v) => v.toFixed(1)).join(', ')}`,
        `CLI runs (ms): ${cli.map((v) => v.toFixed(1)).join(', ')}`,
      ],
    };
  });
}
