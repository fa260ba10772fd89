import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import { STAGE_ID, isRunId, stageLogName } from '../shared/names.js';

// Where everything lives in a workspace, in one place. Run ids and stage ids are checked before they name a path.
//
//   pipelines/<name>.yaml     pipeline files (.yml and .json too)
//   runs/<run id>/            one folder per run: metadata.json, events.ndjson, NN_<type>.<ext>, logs/, slurm/, notify.log
//   .pipe-tui/                the daemon's: socket, pid lock, log, token, circuits, history index; never inside runs/

export const PIPELINES_DIR = 'pipelines';
export const RUNS_DIR = 'runs';
export const STATE_DIR = '.pipe-tui';
/** A run's whole state, rewritten atomically: the fold of events.ndjson. */
export const METADATA_FILE = 'metadata.json';
/** Every state change of a run, one numbered event a line, appended. */
export const EVENTS_FILE = 'events.ndjson';
export const LOGS_DIR = 'logs';
/** A Slurm stage's batch scripts, output files and their read offsets. */
export const SLURM_DIR = 'slurm';
/** One line per notification sent (or not) for the run. */
export const NOTIFY_LOG = 'notify.log';
/** In .pipe-tui/: the random secret that names the daemon's lock (daemon-lock.ts), private so nobody else can take it. */
export const LOCK_SECRET_FILE = 'lock-secret';

/** Every folder pipe-tui makes is its user's alone, whatever the umask: runs hold logs, parameters and results. */
export const PRIVATE_DIR_MODE = 0o700;
/** Every file pipe-tui writes, likewise. */
export const PRIVATE_FILE_MODE = 0o600;

export const pipelinesDir = (workspace: string): string => path.join(workspace, PIPELINES_DIR);
export const runsDir = (workspace: string): string => path.join(workspace, RUNS_DIR);

// The only way from a run id to a path: the id is checked first, so `../x` never names a folder.
export function runDir(workspace: string, runId: string): string {
  if (!isRunId(runId)) throw new PipeError('ERR_RUN_ID_INVALID', `not a run id: ${JSON.stringify(runId.slice(0, 140))}`);
  return path.join(runsDir(workspace), runId);
}

// A stage's log, rebuilt from its index and checked id, never taken from metadata.json's `log` field.
export function stageLogPath(workspace: string, runId: string, stage: { index: number; id: string }): string {
  if (!STAGE_ID.test(stage.id)) throw new PipeError('ERR_METADATA_CORRUPT', `stage id ${JSON.stringify(stage.id)} is not valid`);
  return path.join(runDir(workspace, runId), stageLogName(stage.index, stage.id));
}

// Everything kept for a workspace's daemon lives in `.pipe-tui/`, never inside runs/.
export function daemonPaths(workspace: string) {
  const dir = path.join(workspace, STATE_DIR);
  return {
    dir,
    socket: path.join(dir, 'daemon.sock'),
    pid: path.join(dir, 'daemon.pid'),
    lockSecret: path.join(dir, LOCK_SECRET_FILE),
    log: path.join(dir, 'daemon.log'),
    token: path.join(dir, 'token'),
    circuits: path.join(dir, 'circuits.json'),
    /** Every finished stage, one line each: ETAs and stats read it (history-index.ts). */
    history: path.join(dir, 'history.ndjson'),
    /** Every run's listing, one line per change: `ls` and the TUI list from it (run-index.ts). */
    runIndex: path.join(dir, 'runs.ndjson'),
    /** The pid of the daemon that keeps the runs index in step with runs/ (index-upkeep.ts), while it does. */
    runsFollowed: path.join(dir, 'runs.followed'),
    logindWarned: path.join(dir, 'logind-warned'),
    /** Written by `daemon stop`: the daemon was stopped on purpose, so a client that merely connects does not start it again (daemon-stopped.ts). */
    stopped: path.join(dir, 'stopped'),
    /** A file per held slot of a resource pool (`gpu.0`), naming its holder: pool-slots.ts. */
    pools: path.join(dir, 'pools'),
  };
}
export type DaemonPaths = ReturnType<typeof daemonPaths>;

/** In a run folder: each fan-out stage's items (`items/03_tts.json`), written once as the stage first reads them. */
export const ITEMS_DIR = 'items';
export const itemsFile = (runDir: string, index: number, stageId: string): string => `${runDir}/${ITEMS_DIR}/${String(index).padStart(2, '0')}_${stageId}.json`;
