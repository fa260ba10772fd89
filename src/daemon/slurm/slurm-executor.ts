import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, SLURM_DIR } from '../../workspace/layout.js';
import path from 'node:path';
import type { Job } from '../../shared/metadata-schema.js';
import type { SlurmSpec } from '../../shared/pipeline-schema.js';
import type { AdoptingExecutor, StageExit, StageLaunch, StageProcess } from '../engine/executor.js';
import { jobResources } from './job-resources.js';
import { JobWatcher } from './job-watcher.js';
import { OutputFollower } from './output-follower.js';
import { type FinalStatus, sbatch, scancel } from './slurm-cli.js';

// Stages as Slurm batch jobs. The command and working directory go into a batch script kept in the run folder;
// the stage's environment (parameters included) goes to sbatch's environment, which the job inherits, so nothing
// a user typed is ever pasted into the script. The job's output file is followed as it grows and fed to the same
// output router as a local stage's pipes: `::pipe:` lines work unchanged.

/** Slurm's end states, as the stage errors pipe-tui reports (COMPLETED and FAILED are judged by exit code). */
const FAILURES: Record<string, { code: string; message: string }> = {
  TIMEOUT: { code: 'ERR_STAGE_TIMEOUT', message: "reached its Slurm time limit; Slurm ended the job" },
  OUT_OF_MEMORY: { code: 'ERR_SLURM_OUT_OF_MEMORY', message: 'ran out of memory; Slurm ended the job' },
  NODE_FAIL: { code: 'ERR_SLURM_NODE_FAIL', message: 'its node failed' },
  PREEMPTED: { code: 'ERR_SLURM_PREEMPTED', message: 'was preempted by Slurm' },
  BOOT_FAIL: { code: 'ERR_SLURM_BOOT_FAIL', message: 'its node failed to boot' },
  DEADLINE: { code: 'ERR_SLURM_DEADLINE', message: 'missed its Slurm deadline' },
  CANCELLED: { code: 'ERR_SLURM_CANCELLED', message: 'was cancelled outside pipe-tui (scancel)' },
  LOST: { code: 'ERR_SLURM_JOB_LOST', message: 'is no longer known to Slurm (squeue, scontrol, sacct -c)' },
};

/** A job's name says whose it is, so a job whose id was lost can still be found. */
export const jobName = (runId: string, stage: string): string => `pipe-${runId}-${stage}`;

export function sbatchArgs(spec: SlurmSpec, name: string, output: string, cwd: string): string[] {
  const args = [`--job-name=${name}`, `--output=${output}`, `--chdir=${cwd}`];
  if (spec.partition) args.push(`--partition=${spec.partition}`);
  // Slurm counts whole minutes: a limit under a minute is a minute.
  if (spec.time !== undefined) args.push(`--time=${Math.max(1, Math.ceil(spec.time / 60_000))}`);
  if (spec.cpus !== undefined) args.push(`--cpus-per-task=${spec.cpus}`);
  if (spec.mem) args.push(`--mem=${spec.mem}`);
  return [...args, ...spec.args];
}

/** The batch script: the stage's command, as a local stage would run it. */
export function batchScript(command: string | readonly string[]): string {
  const line = typeof command === 'string' ? command : command.map(shellQuote).join(' ');
  return `#!/bin/sh\n# Written by pipe-tui: the stage's command. Its environment comes from sbatch.\n${line}\n`;
}

export const shellQuote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

export class SlurmExecutor implements AdoptingExecutor {
  constructor(readonly watcher = new JobWatcher()) {}

  start(launch: StageLaunch): StageProcess {
    const files = launch.files ?? { dir: path.join(launch.env.PIPE_RUN_DIR ?? launch.cwd, SLURM_DIR), stem: 'job' };
    mkdirSync(files.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const script = path.join(files.dir, `${files.stem}.sh`);
    const output = path.join(files.dir, `${files.stem}.out`);
    // The owner's alone, like every file of a run (sbatch reads the script; it needs no execute bit).
    writeFileSync(script, batchScript(launch.command), { mode: PRIVATE_FILE_MODE });
    // Slurm creates the output file with the job's umask (the submitter's); made here first, it keeps 0600.
    closeSync(openSync(output, 'a', PRIVATE_FILE_MODE));
    const name = jobName(launch.env.PIPE_RUN_ID ?? 'run', launch.env.PIPE_STAGE ?? 'stage');
    const submitted = sbatch(script, sbatchArgs(launch.slurm ?? { args: [] }, name, output, launch.cwd), launch.env);
    return this.attach(submitted, output, launch);
  }

  adopt(job: Job, launch: StageLaunch): StageProcess {
    const runDir = launch.env.PIPE_RUN_DIR ?? launch.cwd;
    return this.attach(Promise.resolve(job.id), path.resolve(runDir, job.output), launch, job);
  }

  /** Follows a job (or a job array's task, `123_4`) as the stage's process: its state, output file and end. */
  attach(submitted: Promise<string>, output: string, launch: StageLaunch, known?: Job): StageProcess {
    const runDir = launch.env.PIPE_RUN_DIR ?? launch.cwd;
    const relative = path.relative(runDir, output);
    const follower = new OutputFollower(output, (chunk) => launch.onOutput(chunk, 'stdout'));
    if (known) {
      const reported = follower.errorLinesBefore();
      if (reported.length > 0) void launch.onOutput(reported, 'stdout');
    }
    let jobId: string | null = null;
    let stopping = false;
    const exited = new Promise<StageExit>((resolve) => {
      submitted.then(
        (id) => {
          jobId = id;
          const report = (state: string, reason: string | null): void => launch.onJob?.({ executor: 'slurm', id, state, reason, output: relative });
          if (!known) report('SUBMITTED', null);
          follower.start();
          const resources = launch.onResources ? jobResources(launch.onResources) : null;
          this.watcher.watch(id, {
            onStatus: (s) => report(s.state, s.reason),
            onUsage: resources ? (usage) => resources.reading(usage) : undefined,
            onEnd: (final) => {
              resources?.stop();
              void follower.finish().then(() => {
                report(final.state, final.reason);
                resolve(exitOf(final, stopping));
              });
            },
          });
          if (stopping) void scancel(id);
        },
        (error: Error) => resolve({ exitCode: null, signal: null, spawnError: error.message }),
      );
    });
    return {
      pgid: null,
      exited,
      stop: async () => {
        stopping = true;
        if (jobId) await scancel(jobId);
        return exited;
      },
    };
  }
}

function exitOf(final: FinalStatus, stopping: boolean): StageExit {
  const signal = final.signal ? `signal ${final.signal}` : null;
  const base = { exitCode: final.exitCode, signal, spawnError: null };
  // A cancel pipe-tui asked for is judged by the runner (cancel or timeout), like a local stage's.
  if (final.state === 'CANCELLED' && stopping) return { ...base, signal: signal ?? 'SIGTERM' };
  const failure = FAILURES[final.state];
  if (failure) return { ...base, failure: { code: failure.code, message: `the Slurm job ${failure.message}` } };
  if (final.state === 'COMPLETED') return { ...base, exitCode: final.exitCode ?? 0 };
  return { ...base, exitCode: final.exitCode ?? 1 };
}
