import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Job } from '../../shared/metadata-schema.js';
import type { SlurmSpec } from '../../shared/pipeline-schema.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../workspace/layout.js';
import type { AdoptingExecutor, StageLaunch, StageProcess } from '../engine/executor.js';
import { sbatch, scancel } from './slurm-cli.js';
import { type SlurmExecutor, jobName, sbatchArgs, shellQuote } from './slurm-executor.js';

// A fan-out stage on Slurm as job arrays (`sbatch --array=0-999%4`, max_parallel as the `%` limit): one submission
// for up to ARRAY_SIZE items instead of one each. Each task finds its item in a file of its own (index, then
// value): the command line holds no item, as it holds no parameter. An item's first attempt follows its task like
// any job (the same one squeue a tick, its output file, its end state); a retry is a job of its own.

/** Tasks per array: Slurm's default MaxArraySize is 1001. */
export const ARRAY_SIZE = 1000;

export interface ArrayPlan {
  /** The run's slurm/ folder, and the stem of this fan-out's files in it (`03_tts.array`). */
  dir: string;
  stem: string;
  /** The items to run, in order, with their values. */
  items: { index: number; value: string }[];
  command: string | readonly string[];
  cwd: string;
  /** The stage's environment, without any item's variables. */
  env: Record<string, string>;
  spec: SlurmSpec;
  limit: number;
}

/** The batch script of an array task: it reads its item, then runs the stage's command. */
export function arrayScript(taskDir: string, command: string | readonly string[]): string {
  const line = typeof command === 'string' ? command : command.map(shellQuote).join(' ');
  const file = `${shellQuote(taskDir)}/"$SLURM_ARRAY_TASK_ID"`;
  return [
    '#!/bin/sh',
    "# Written by pipe-tui: one task of a fan-out stage's job array. Its item is in a file of its own; the rest of",
    '# its environment comes from sbatch.',
    `PIPE_ITEM_INDEX=$(head -n 1 ${file})`,
    `PIPE_ITEM=$(tail -n +2 ${file})`,
    'export PIPE_ITEM PIPE_ITEM_INDEX',
    line,
    '',
  ].join('\n');
}

export class JobArrays implements AdoptingExecutor {
  /** Each item's array (by chunk) and task. */
  private readonly taskOf = new Map<number, { chunk: number; task: number }>();
  private readonly submitted = new Map<number, Promise<string>>();

  constructor(
    private readonly slurm: SlurmExecutor,
    private readonly plan: ArrayPlan,
  ) {
    plan.items.forEach((item, i) => this.taskOf.set(item.index, { chunk: Math.floor(i / ARRAY_SIZE), task: i % ARRAY_SIZE }));
  }

  start(launch: StageLaunch): StageProcess {
    const place = this.taskOf.get(Number(launch.env.PIPE_ITEM_INDEX));
    // A retry (or an item not planned here) is a job of its own.
    if (!place || launch.env.PIPE_ATTEMPT !== '1') return this.slurm.start(launch);
    const id = this.submit(place.chunk).then((array) => `${array}_${place.task}`);
    return this.slurm.attach(id, this.output(place.chunk, place.task), launch);
  }

  adopt(job: Job, launch: StageLaunch): StageProcess {
    return this.slurm.adopt(job, launch);
  }

  /** Cancels every task not yet ended (the stage ended, failed fast, or was cancelled): none starts after it. */
  async cancelRest(): Promise<void> {
    const ids = await Promise.all([...this.submitted.values()].map((p) => p.catch(() => null)));
    await Promise.all(ids.flatMap((id) => (id ? [scancel(id)] : [])));
  }

  private output(chunk: number, task: number): string {
    return path.join(this.plan.dir, `${this.plan.stem}${chunk}.${task}.out`);
  }

  // Each array is submitted when its first item is taken: a fan-out of 10 000 items has at most one array
  // (of max_parallel running tasks) ahead of the items being run.
  private submit(chunk: number): Promise<string> {
    const known = this.submitted.get(chunk);
    if (known) return known;
    const { plan } = this;
    const items = plan.items.slice(chunk * ARRAY_SIZE, (chunk + 1) * ARRAY_SIZE);
    const taskDir = path.join(plan.dir, `${plan.stem}${chunk}.items`);
    mkdirSync(taskDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    items.forEach((item, task) => {
      writeFileSync(path.join(taskDir, String(task)), `${item.index}\n${item.value}`, { mode: PRIVATE_FILE_MODE });
      // Slurm creates an output file with the job's umask; made here first, it keeps 0600.
      closeSync(openSync(this.output(chunk, task), 'a', PRIVATE_FILE_MODE));
    });
    const script = path.join(plan.dir, `${plan.stem}${chunk}.sh`);
    writeFileSync(script, arrayScript(taskDir, plan.command), { mode: PRIVATE_FILE_MODE });
    const name = jobName(plan.env.PIPE_RUN_ID ?? 'run', plan.env.PIPE_STAGE ?? 'stage');
    const outputs = path.join(plan.dir, `${plan.stem}${chunk}.%a.out`);
    const args = [...sbatchArgs(plan.spec, name, outputs, plan.cwd), `--array=0-${items.length - 1}%${plan.limit}`];
    const submitted = sbatch(script, args, plan.env);
    // Its failure reaches each item that waits on it; nobody else need hear of it.
    submitted.catch(() => undefined);
    this.submitted.set(chunk, submitted);
    return submitted;
  }
}
