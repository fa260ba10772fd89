import type { Job, Resources } from '../../shared/metadata-schema.js';
import type { SlurmSpec } from '../../shared/pipeline-schema.js';

// Where and how a stage's process runs. The runner sees only this, so a cluster executor (Slurm) can stand in
// for local child processes without the runner changing.

export interface StageLaunch {
  /** A shell command line (run by /bin/sh -c) or an argv list (run directly). */
  command: string | readonly string[];
  /** Absolute working directory. */
  cwd: string;
  /** The whole environment of the stage; parameters travel here, never in the command line. */
  env: Record<string, string>;
  /**
   * Receives output as it arrives, in arrival order. Its promise settles once the chunk's effects (entity copies)
   * are recorded: an executor that resumes after a crash (a Slurm job's output) moves its saved place only then.
   */
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void | Promise<void>;
  /** Where an executor keeps files of its own for this attempt (a batch script, a job's output), and their stem. */
  files?: { dir: string; stem: string };
  /** A cluster job's id and each change of its state, as the executor learns them. */
  onJob?: (job: Job) => void;
  /**
   * What the stage uses, for an executor that measures it itself (a Slurm job, from sstat); a local stage's process
   * group is measured from /proc by the runner instead.
   */
  onResources?: (usage: Resources) => void;
  /** Slurm's options for the job (partition, time, cpus, mem, more sbatch arguments). */
  slurm?: SlurmSpec;
}

export interface StageExit {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (ENOENT, EACCES…). */
  spawnError: string | null;
  /** A failure only the executor can name (a cluster job's TIMEOUT, OUT_OF_MEMORY, NODE_FAIL…). */
  failure?: { code: string; message: string };
}

export interface StageProcess {
  /** Process group id of the stage, recorded so a later daemon can kill what an earlier one left behind. */
  readonly pgid: number | null;
  /** Settles once the stage and everything it started are gone and its output is drained. */
  readonly exited: Promise<StageExit>;
  /** SIGTERM to the whole group, SIGKILL after the grace period; resolves when it has exited. */
  stop(graceMs?: number): Promise<StageExit>;
}

export interface Executor {
  start(launch: StageLaunch): StageProcess;
}

/** An executor whose work outlives the daemon (cluster jobs): a later daemon takes a job up where it was left. */
export interface AdoptingExecutor extends Executor {
  adopt(job: Job, launch: StageLaunch): StageProcess;
}

export const DEFAULT_GRACE_MS = 3000;
