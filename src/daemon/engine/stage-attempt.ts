import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { SLURM_DIR } from '../../workspace/layout.js';
import type { StageSpec } from '../../shared/pipeline-schema.js';
import type { StageError } from '../../shared/metadata-schema.js';
import { toPipeError } from '../../shared/errors.js';
import { formatDuration } from '../../shared/duration.js';
import type { ProtocolLine } from '../../shared/stage-protocol.js';
import type { Job } from '../../shared/metadata-schema.js';
import type { SlurmSpec, STALL_ACTIONS } from '../../shared/pipeline-schema.js';
import type { AdoptingExecutor, Executor, StageExit, StageLaunch, StageProcess } from './executor.js';
import type { LogFile } from './log-file.js';
import { LatestThrottle, THROTTLE_MS } from './latest-throttle.js';
import { OutputRouter } from './output-router.js';
import { ProgressSniffer } from './progress-sniffer.js';
import { plainText, renderLine } from '../../shared/terminal-text.js';
import { trackResources } from './stage-resources.js';
import type { ProgressSpec } from '../../shared/progress-parse.js';
import type { RunRecorder } from './run-recorder.js';
import { SharedPace } from './shared-pace.js';
import { StallWatch } from './stall-watch.js';
import { type StageContext, stageEnv } from './stage-env.js';
import { isDirectory, isNonEmpty, resolveInside } from '../../workspace/safe-paths.js';

export interface AttemptInput {
  stage: StageSpec;
  ctx: StageContext;
  maxAttempts: number;
  recorder: RunRecorder;
  executor: Executor;
  /** The stage's log, shared by all its attempts. */
  logFile: LogFile;
  /** Aborted when the run is cancelled. */
  signal: AbortSignal;
  graceMs: number;
  /** How progress is read from the stage's plain output (`::pipe:progress` lines always win). */
  progress: ProgressSpec;
  /** Slurm options, for a stage the executor runs as a cluster job. */
  slurm?: SlurmSpec;
  /** A job a previous daemon started for this attempt, taken up again rather than submitted anew. */
  adopt?: Job;
  /** Silence this long marks the stage stalled; `fail` also stops the attempt. Absent: never. */
  stall?: { afterMs: number; action: (typeof STALL_ACTIONS)[number] } | null;
}

/** A progress reading, from a `::pipe:progress` line or read from the program's own bar. */
type Reading = { current: number; total: number | null; message: string | null; rate_per_s?: number | null; remaining_ms?: number | null; unit?: 'ms' };

// The program's own rate and time left go in the event only when it printed them.
const rateOf = (p: Reading): { rate_per_s?: number; remaining_ms?: number; unit?: 'ms' } => ({
  ...(p.rate_per_s != null ? { rate_per_s: p.rate_per_s } : {}),
  ...(p.remaining_ms != null ? { remaining_ms: p.remaining_ms } : {}),
  ...(p.unit ? { unit: p.unit } : {}),
});

/** Longest progress message kept: a row shows far less, and metadata.json keeps it on every write. */
const MAX_MESSAGE = 200;

// A message comes from the stage's output (a tqdm desc, a pattern's group, ::pipe:progress): as a terminal would
// show it, plain, so no control character or escape in it ever reaches a row on the user's terminal.
const shownMessage = (message: string | null): string | null => (message === null ? null : plainText(renderLine(message)).slice(0, MAX_MESSAGE) || null);

export type AttemptOutcome = { ok: true; outputs: string[] } | { ok: false; error: StageError };

/**
 * Progress events of all the stages flooding progress at once, about this many a second at most. Up to four such
 * stages keep one every THROTTLE_MS each, ten one every 100 ms, fifty one every 500 ms, together, and always the
 * last line among them. Every event is appended, folded, sent to every client and folded again there: fifty stages
 * at 25 a second each kept a daemon and its TUIs too busy to show at once what a quiet stage said. A stage printing
 * now and then is not slowed.
 */
export const PROGRESS_EVENTS_PER_S = 100;
const progressPace = new SharedPace(PROGRESS_EVENTS_PER_S, THROTTLE_MS);

// One try of one stage: start it, route its output, obey its protocol lines, stop it on timeout or cancel,
// and judge how it went. It never throws: every failure comes back as an outcome with a code.
export async function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const { stage, ctx, recorder, logFile } = input;
  const log = (data: Buffer | string): void => logFile.write(data);
  const started = Date.now();
  if (!input.adopt) log(`===== pipe-tui: stage ${stage.id}${ctx.item ? `, item ${ctx.item.index}` : ''}, attempt ${ctx.attempt} of ${input.maxAttempts}, ${new Date(started).toISOString()} =====\n`);

  const cwd = path.resolve(ctx.workspace, stage.cwd ?? '.');
  const progress = new LatestThrottle<Reading>(
    (p) => recorder.emit({ type: 'stage.progress', stage: ctx.index, current: p.current, total: p.total, message: shownMessage(p.message), ...rateOf(p) }),
    THROTTLE_MS,
    progressPace,
  );
  // Once the stage speaks the protocol, its own words are the progress: a bar it also prints is only log.
  let speaks = false;
  // An item of a fan-out: its stage's progress is items done, so its own is only log.
  const item = ctx.item ?? null;
  const sniffer = input.progress === 'none' || item ? null : new ProgressSniffer(input.progress, (p) => speaks || progress.push(p));
  let reported: { code: string; message: string } | null = null;
  let entities: Promise<void> = Promise.resolve();

  const onLine = (line: ProtocolLine): void => {
    if (line.kind === 'progress') {
      if (item) return;
      speaks = true;
      return progress.push(line);
    }
    progress.flush();
    if (line.kind === 'cost') recorder.emit({ type: 'stage.cost', stage: ctx.index, usd: line.usd });
    else if (line.kind === 'checkpoint') {
      if (!item) recorder.emit({ type: 'stage.checkpoint', stage: ctx.index, data: line.data });
    } else if (line.kind === 'error') reported = { code: line.code, message: line.message };
    else {
      // Copies run one after another so entities are numbered in the order the stage announced them. The copy
      // itself checks the opened file (regular, under the cap, still inside the workspace): the stage may have
      // swapped the path since it was resolved.
      entities = entities.then(() =>
        Promise.all([resolveInside(ctx.workspace, cwd, line.path), realpath(ctx.workspace)])
          .then(([source, within]) => recorder.addEntity(stage.id, line.type, source, line.metadata, { within, named: line.path }))
          .then(
            () => undefined,
            (error: unknown) => log(`[pipe-tui] warning: entity ${line.type} ${line.path} not recorded: ${toPipeError(error, 'ERR_ENTITY_INVALID').code}: ${toPipeError(error).message}\n`),
          ),
      );
    }
  };
  const malformed = malformedCounter((count) => recorder.emit({ type: 'stage.warned', stage: ctx.index, malformed: count }));
  const router = new OutputRouter(log, onLine, malformed.add);
  // Timed from the start of a local process, and from RUNNING for a cluster job (its queue wait is no silence).
  const stall = stallWatch(input, () => progress.flush(), () => stop('stalled'));

  // A log that could not be opened (a symlink planted at its path) would lose all the stage says: not started.
  const unloggable = logFailure(logFile);
  if (unloggable) return { ok: false, error: unloggable };
  if (!(await isDirectory(cwd))) {
    const error = { code: 'ERR_STAGE_SPAWN', message: `working directory ${path.relative(ctx.workspace, cwd) || '.'} does not exist`, exit_code: null, signal: null, stack: null, at: new Date().toISOString() };
    log(`===== pipe-tui: ${error.code}: ${error.message} =====\n`);
    return { ok: false, error };
  }
  const launch: StageLaunch = {
    command: stage.run,
    cwd,
    env: stageEnv(stage, ctx),
    onOutput: (chunk, stream) => {
      // Progress is read from these same chunks, so a chunk is all the activity there is; told first, so a stage
      // that speaks again is unmarked before what it said is recorded.
      stall?.activity();
      router.push(chunk, stream);
      sniffer?.push(chunk, stream);
      // Settles when this chunk's entity copies have landed (progress may be read twice: it is the same progress).
      return entities;
    },
    files: { dir: path.join(ctx.runDir, SLURM_DIR), stem: `${String(ctx.index).padStart(2, '0')}_${stage.id}${item ? `.item${item.index}` : ''}.${ctx.attempt}` },
    onJob: (job) => {
      if (!item) recorder.emit({ type: 'stage.job', stage: ctx.index, job });
      if (job.state === 'RUNNING') stall?.resume();
      else stall?.pause();
    },
    // An item's usage is not its stage's (and a Slurm item's job is not asked about at all).
    onResources: item ? undefined : (usage) => recorder.emit({ type: 'stage.resources', stage: ctx.index, ...usage }),
    slurm: input.slurm,
  };
  let proc: StageProcess;
  if (input.adopt && 'adopt' in input.executor) {
    log(`===== pipe-tui: stage ${stage.id}, attempt ${ctx.attempt} taken up again after a daemon restart: Slurm job ${input.adopt.id} =====\n`);
    proc = (input.executor as AdoptingExecutor).adopt(input.adopt, launch);
    // A stall marked by the daemon before this one is this one's to clear: its watch starts afresh.
    const silentSince = recorder.state.stages[ctx.index]?.silent_since;
    if (silentSince) recorder.emit({ type: 'stage.unstalled', stage: ctx.index, silent_ms: Math.max(0, Date.now() - Date.parse(silentSince)) });
  } else {
    proc = input.executor.start(launch);
    // An item's attempt is told by its fan-out (fanout-runner.ts), before it starts.
    if (!item) recorder.emit({ type: 'stage.started', stage: ctx.index, attempt: ctx.attempt, pgid: proc.pgid });
  }
  // A local stage's whole process group, measured while it runs (a Slurm job's processes are on another node).
  const resources = proc.pgid === null || item ? null : trackResources(proc.pgid, (r) => recorder.emit({ type: 'stage.resources', stage: ctx.index, ...r }));

  let stoppedFor: StopReason | null = null;
  const stop = (why: StopReason): void => {
    stoppedFor ??= why;
    // What it prints while it is being stopped is no recovery from a stall.
    stall?.stop();
    void proc.stop(input.graceMs);
  };
  if (!input.slurm) stall?.resume();
  const onAbort = (): void => stop('cancel');
  input.signal.addEventListener('abort', onAbort, { once: true });
  if (input.signal.aborted) stop('cancel');
  const timer = stage.timeout === undefined ? null : setTimeout(() => stop('timeout'), stage.timeout);

  let exit: StageExit;
  try {
    exit = await proc.exited;
  } finally {
    if (timer) clearTimeout(timer);
    stall?.stop();
    resources?.stop();
    input.signal.removeEventListener('abort', onAbort);
  }
  router.end();
  progress.close();
  malformed.flush();
  await entities;

  const error = (await judge(input, exit, stoppedFor, reported, cwd)) ?? logFailure(logFile);
  log(`===== pipe-tui: ${error ? `${error.code}: ${error.message}` : 'succeeded'} after ${formatDuration(Date.now() - started)} =====\n`);
  if (error) return { ok: false, error };
  return { ok: true, outputs: stage.outputs.map((o) => path.relative(ctx.workspace, path.resolve(cwd, o)) || '.') };
}

// Exit codes a shell gives for reasons of its own: said in words, so nobody needs to know the table. Nothing is
// quoted from the stage; its log says which command it was.
const EXIT_REASONS: Record<number, string> = {
  126: 'the command is not executable (chmod +x, or a folder?)',
  127: 'command not found (check run: and the PATH of the daemon or run --foreground)',
  137: 'killed by SIGKILL, often for want of memory (dmesg says)',
};

async function judge(
  input: AttemptInput,
  exit: StageExit,
  stoppedFor: StopReason | null,
  reported: { code: string; message: string } | null,
  cwd: string,
): Promise<StageError | null> {
  const base = { exit_code: exit.exitCode, signal: exit.signal, stack: null, at: new Date().toISOString() };
  if (stoppedFor === 'cancel') return { ...base, code: 'ERR_CANCELLED', message: 'cancelled' };
  if (stoppedFor === 'timeout') {
    return { ...base, code: 'ERR_STAGE_TIMEOUT', message: `timed out after ${formatDuration(input.stage.timeout ?? 0)}; its process group was killed` };
  }
  if (stoppedFor === 'stalled') {
    return { ...base, code: 'ERR_STAGE_STALLED', message: `no output or progress for ${formatDuration(input.stall?.afterMs ?? 0)} (stall_after, stall_action: fail); its process group was killed` };
  }
  if (exit.spawnError) return { ...base, code: 'ERR_STAGE_SPAWN', message: `could not start: ${exit.spawnError}` };
  if (exit.failure) return { ...base, ...exit.failure };
  // A stage that reported an error has failed, whatever its exit code; its own code is kept.
  if (reported) return { ...base, code: reported.code, message: reported.message };
  if (exit.signal) return { ...base, code: 'ERR_STAGE_SIGNAL', message: `killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (out of memory? dmesg says)' : ''}` };
  if (exit.exitCode !== 0) {
    const why = exit.exitCode === null ? undefined : EXIT_REASONS[exit.exitCode];
    return { ...base, code: 'ERR_STAGE_EXIT', message: `exited with code ${exit.exitCode}${why ? `: ${why}` : ''}` };
  }
  const missing: string[] = [];
  // An item's stage checks its declared outputs once, after its last item.
  for (const output of input.ctx.item ? [] : input.stage.outputs) {
    if (!(await isNonEmpty(path.resolve(cwd, output)))) missing.push(output);
  }
  if (missing.length > 0) {
    return { ...base, code: 'ERR_OUTPUT_MISSING', message: `declared output${missing.length > 1 ? 's' : ''} missing or empty: ${missing.join(', ')}` };
  }
  return null;
}

function logFailure(logFile: LogFile): StageError | null {
  if (!logFile.failure) return null;
  return { code: 'ERR_IO', message: `could not write the stage log: ${logFile.failure.message}`, exit_code: null, signal: null, stack: null, at: new Date().toISOString() };
}

type StopReason = 'timeout' | 'cancel' | 'stalled';

// The attempt's stall watch: it tells the stall (after any progress still held back, so the order is kept) and its
// end as events, and stops the attempt when the stage's stall_action is `fail`.
function stallWatch(input: AttemptInput, flushProgress: () => void, fail: () => void): StallWatch | null {
  const { stall, recorder, ctx } = input;
  if (!stall) return null;
  // An item's silence is not its stage's: it only ends the item's attempt, under stall_action: fail.
  const tell = !ctx.item;
  return new StallWatch(
    stall.afterMs,
    {
      stalled: (silentMs) => {
        flushProgress();
        if (tell) recorder.emit({ type: 'stage.stalled', stage: ctx.index, silent_ms: silentMs });
        if (stall.action === 'fail') fail();
      },
      resumed: (silentMs) => tell && recorder.emit({ type: 'stage.unstalled', stage: ctx.index, silent_ms: silentMs }),
    },
    true,
  );
}

/** How often, at most, a stage that keeps printing malformed lines updates its count. */
const MALFORMED_EVERY_MS = 1000;

// Malformed ::pipe: lines, counted for the stage row: the first is told at once, the rest at most once a second, so a
// stage printing a million of them costs a handful of events, not a million.
function malformedCounter(emit: (count: number) => void): { add: () => void; flush: () => void } {
  let pending = 0;
  let timer: NodeJS.Timeout | null = null;
  let told = false;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending > 0) emit(pending);
    pending = 0;
  };
  return {
    add: () => {
      pending++;
      if (!told) {
        told = true;
        return flush();
      }
      timer ??= setTimeout(flush, MALFORMED_EVERY_MS);
    },
    flush,
  };
}
