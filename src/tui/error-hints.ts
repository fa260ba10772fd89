// One line under an error saying what usually fixes it; codes a stage invents itself get none.
const HINTS: Record<string, string> = {
  ERR_STAGE_EXIT: 'the stage exited non-zero: its log (l) says why',
  ERR_STAGE_TIMEOUT: 'raise the stage\'s timeout, or find what it waits for in its log',
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
};

export const errorHint = (code: string): string | null => HINTS[code] ?? null;
