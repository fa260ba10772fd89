import { readFileSync } from 'node:fs';
import path from 'node:path';
import { toPipeError } from '../../shared/errors.js';
import { isTerminal } from '../../shared/metadata-schema.js';
import { writeAtomic } from '../../workspace/atomic-write.js';
import { loadRunPipeline } from '../../workspace/pipeline-files.js';
import { noticeFor, sendAll } from '../engine/notifier.js';
import { jobName } from '../slurm/slurm-executor.js';
import { scancel, scancelByName, slurmAvailable } from '../slurm/slurm-cli.js';
import { killStageGroups, runProcessGroups } from '../engine/process-groups.js';
import type { RunManager } from './run-manager.js';
import { stopLocalWork } from './stop-local-work.js';
import { RunRecorder } from '../engine/run-recorder.js';
import { foldEvents, lastEventSeq } from '../../workspace/run-events.js';
import { readRun, readRunFile } from '../../workspace/run-reader.js';
import { indexEntryOf } from '../../shared/run-index-entry.js';
import { appendIndex } from '../../workspace/run-index-append.js';
import { METADATA_FILE, runDir } from '../../workspace/layout.js';

export interface RecoveryReport {
  interrupted: string[];
  requeued: string[];
  /** Runs whose Slurm job outlived the daemon: watched again where they left off. */
  adopted: string[];
  rebuilt: string[];
  /** metadata.json behind events.ndjson, brought up to date. */
  caughtUp: string[];
  corrupt: string[];
  /** Written by a newer pipe-tui: left untouched. */
  newer: string[];
}

// When a daemon starts, no run may still claim to be running under a daemon that is gone: such runs become
// `interrupted` (their leftover process groups killed), runs that never started go back in the queue, and a
// corrupt metadata.json is rebuilt from events.ndjson where it can be, else reported and left untouched.
// Which runs to look at comes from the runs index (recovery-scope.ts): those it does not call finished.
export async function recoverRuns(workspace: string, manager: RunManager, graceMs: number, runIds: string[]): Promise<RecoveryReport> {
  const report: RecoveryReport = { interrupted: [], requeued: [], adopted: [], rebuilt: [], caughtUp: [], corrupt: [], newer: [] };
  for (const runId of runIds) await recoverRun(workspace, manager, graceMs, runId, report);
  return report;
}

/**
 * Recovers one run (see recoverRuns), and brings its line in the runs index up to date. False when its folder does
 * not read even now: the index has no line for it. A folder found (not made) gets no first-line mark: its id may
 * be of any time, and only runs made in id order may tell a reader where the newest end (run-listing.ts).
 */
export async function recoverRun(workspace: string, manager: RunManager, graceMs: number, runId: string, report: RecoveryReport): Promise<boolean> {
  await recoverOne(workspace, manager, graceMs, runId, report);
  if (manager.liveState(runId)) return true;
  const read = await readRun(workspace, runId);
  if (read.ok) appendIndex(workspace, [indexEntryOf(read.run)]);
  return read.ok;
}

async function recoverOne(workspace: string, manager: RunManager, graceMs: number, runId: string, report: RecoveryReport): Promise<void> {
  const dir = runDir(workspace, runId);
  const { text, read } = await readRunFile(workspace, runId);
  if (!read.ok && read.error.code === 'ERR_METADATA_VERSION') {
    report.newer.push(runId);
    return;
  }
  // metadata.json is written after the events and coalesced, so a killed daemon can leave it behind them.
  if (read.ok && isTerminal(read.run.status) && (await lastEventSeq(dir)) <= read.run.seq) return;
  const folded = await foldEvents(dir);
  if (!folded) {
    if (text !== null && !read.ok) report.corrupt.push(runId);
    return;
  }
  const state = folded.state;
  // A run a foreground `run` is still recording is its to write: a catch-up here could land after its last write.
  if (!isTerminal(state.status) && isOtherLiveRunner(state.runner_pid)) return;
  if (!read.ok || state.seq > read.run.seq) {
    await writeAtomic(path.join(dir, METADATA_FILE), `${JSON.stringify(state, null, 2)}\n`);
    (read.ok ? report.caughtUp : report.rebuilt).push(runId);
  }
  if (isTerminal(state.status) || isOtherLiveRunner(state.runner_pid)) return;
  const recorder = new RunRecorder(dir, state);
  // Killed between its last stage.succeeded and run.finished: it did finish.
  if (state.stages.every((s) => s.status === 'succeeded' || s.status === 'skipped')) {
    recorder.emit({ type: 'run.finished', status: 'succeeded', error: null });
    await recorder.close();
    report.caughtUp.push(runId);
    return;
  }
  if (state.status === 'queued') {
    try {
      const pipeline = await loadRunPipeline(workspace, state);
      manager.adoptQueued(recorder, pipeline.spec);
      report.requeued.push(runId);
    } catch (thrown) {
      const error = toPipeError(thrown);
      recorder.emit({ type: 'run.finished', status: 'failed', error: { code: error.code, message: error.message, stage: null } });
      await recorder.close();
    }
    return;
  }
  // A Slurm job outlives the daemon: its stage is taken up again, and the run goes on as running. Local stages
  // that ran beside it (a graph) died with the daemon or are killed here, and run again.
  const jobs = state.stages.flatMap((s) => (s.status === 'running' && s.job ? [{ index: s.index, job: s.job, attempt: s.attempts }] : []));
  if (jobs.length > 0) {
    try {
      const pipeline = await loadRunPipeline(workspace, state);
      await stopLocalWork(state, pipeline.spec, graceMs);
      manager.adoptRunning(recorder, pipeline.spec, jobs);
      report.adopted.push(runId);
      return;
    } catch {
      // The pipeline file is gone: nothing to go on with. Its job is cancelled below, and the run interrupted.
    }
  }
  // A Slurm job whose id never reached the run's events (the daemon died right after sbatch) is found by name.
  await cancelStrayJobs(runId, state.stages);
  const recorded = state.stages.flatMap((s) => (s.pgid === null ? [] : [s.pgid]));
  await killStageGroups(runId, [...new Set([...recorded, ...runProcessGroups(runId)])], graceMs);
  const message = `the daemon running it${state.runner_pid ? ` (pid ${state.runner_pid})` : ''} stopped; resume it to go on`;
  await notifyInterruption(workspace, recorder);
  recorder.emit({ type: 'run.interrupted', error: { code: 'ERR_INTERRUPTED', message, exit_code: null, signal: null, stack: null, at: new Date().toISOString() } });
  await recorder.close();
  report.interrupted.push(runId);
}

async function cancelStrayJobs(runId: string, stages: { id: string; status: string; pgid: number | null; job: { id: string } | null }[]): Promise<void> {
  for (const stage of stages) {
    if (stage.status !== 'running') continue;
    if (stage.job) await scancel(stage.job.id);
    // A running stage with neither a process group nor a job id may be a job submitted the instant the daemon died.
    else if (stage.pgid === null && (await slurmAvailable())) await scancelByName(jobName(runId, stage.id));
  }
}

// Whoever the pipeline names hears of the interruption, in the background: recovery does not wait on a webhook.
async function notifyInterruption(workspace: string, recorder: RunRecorder): Promise<void> {
  const spec = await loadRunPipeline(workspace, recorder.state).then((p) => p.spec, () => null);
  if (!spec || spec.notify.length === 0) return;
  const stop = recorder.subscribe((event, state) => {
    const notice = noticeFor(event, state, recorder.dir);
    if (!notice) return;
    stop();
    void Promise.all(sendAll(spec.notify, notice, recorder.dir));
  });
}

// A run started by `run --foreground` in a terminal that is still open is alive, not orphaned.
function isOtherLiveRunner(pid: number | null): boolean {
  if (pid === null || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('pipe-tui') && !cmdline.includes('\0daemon\0');
  } catch {
    return true;
  }
}
