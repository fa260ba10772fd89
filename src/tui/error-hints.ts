// One line under an error saying what usually fixes it; codes a stage invents itself get none.
const HINTS: Record<string, string> = {
  ERR_STAGE_EXIT: 'the stage exited non-zero: its log (l) says why',
  ERR_STAGE_TIMEOUT: 'raise the stage\'s timeout, or find what it waits for in its log',
  ERR_STAGE_STALLED: 'it printed nothing for its stall_after: find in its log what it waits for, or raise stall_after',
  ERR_STAGE_SIGNAL: 'something killed the stage: out of memory (dmesg), or a signal from outside',
  ERR_STAGE_SPAWN: 'the command or its working directory does not exist: check run: and cwd:',
  ERR_OUTPUT_MISSING: 'the stage succeeded but did not write a declared output: check outputs:',
  ERR_CANCELLED: 'cancelled on request; r resumes from the first stage not done',
  ERR_INTERRUPTED: 'the daemon stopped under this run; r resumes it, finished stages are skipped',
  ERR_CIRCUIT_OPEN: 'too many failures of this service in a row; it is retried when the circuit closes',
  ERR_APPROVAL_TIMEOUT: 'nobody approved in time; r resumes and asks again',
  ERR_APPROVAL_REQUIRED: 'approval gates need the daemon: run it without --foreground',
  ERR_METADATA_CORRUPT: 'metadata.json cannot be read; the daemon rebuilds it from events.ndjson when it starts',
  ERR_IO: 'the disk refused a write: is it full?',
  ERR_SLURM_OUT_OF_MEMORY: 'the job needed more memory than it asked for: raise slurm: { mem: }',
  ERR_SLURM_NODE_FAIL: 'the node failed under the job; retries: { on: [ERR_SLURM_NODE_FAIL] } runs it again',
  ERR_SLURM_PREEMPTED: 'a job of higher priority took the node; retrying it is usually enough',
  ERR_SLURM_CANCELLED: 'someone ran scancel on the job; r resumes the run',
  ERR_SLURM_JOB_LOST: 'Slurm forgot the job (a slurmctld restart without state?); r resumes the run',
};

export const errorHint = (code: string): string | null => HINTS[code] ?? null;
