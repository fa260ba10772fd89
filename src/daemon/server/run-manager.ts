import path from 'node:path';
import { downstream, needIndexes } from '../../shared/stage-graph.js';
import { PipeError } from '../../shared/errors.js';
import type { RunEvent } from '../../shared/events.js';
import { type RunMetadata, isTerminal } from '../../shared/metadata-schema.js';
import { resolveParams } from '../../shared/parse-pipeline.js';
import type { PipelineSpec } from '../../shared/pipeline-schema.js';
import { ApprovalGates } from './approval-gates.js';
import type { CircuitBreaker } from '../engine/circuit-breaker.js';
import { createRun } from '../engine/create-run.js';
import type { History } from '../engine/history-writer.js';
import { type LoadedPipeline, loadPipeline, loadRunPipeline } from '../../workspace/pipeline-files.js';
import { type RunOptions, runPipeline } from '../engine/pipeline-runner.js';
import type { AdoptingExecutor } from '../engine/executor.js';
import { stopLocalWork } from './stop-local-work.js';
import { RunRecorder } from '../engine/run-recorder.js';
import { indexRecorder } from '../engine/run-index-writer.js';
import { loadRunState } from '../../workspace/run-events.js';
import { runDir } from '../../workspace/layout.js';
import { isNonEmpty } from '../../workspace/safe-paths.js';

export interface ManagerOptions {
  workspace: string;
  /** Runs at once; the rest wait as `queued`. */
  concurrency: number;
  graceMs: number;
  circuits: CircuitBreaker;
  history?: History;
  slurm?: AdoptingExecutor;
}

interface LiveRun {
  recorder: RunRecorder;
  pipeline: PipelineSpec;
  controller: AbortController;
  done: Promise<void> | null;
}

export type RunListener = (event: RunEvent, state: RunMetadata) => void;

// Owns the daemon's runs: the queue, the concurrency limit, and every command that changes a run. It knows
// nothing of WebSocket; the feed subscribes to its events.
export class RunManager {
  readonly approvals = new ApprovalGates();
  private readonly live = new Map<string, LiveRun>();
  private readonly queue: string[] = [];
  private running = 0;
  /** Shutting down: no queued run is started any more. */
  private closing = false;
  private readonly listeners = new Set<RunListener>();

  constructor(private readonly options: ManagerOptions) {}

  subscribe(listener: RunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The live state of a run the daemon holds, or undefined. */
  liveState(runId: string): RunMetadata | undefined {
    return this.live.get(runId)?.recorder.state;
  }

  liveRunIds(): string[] {
    return [...this.live.keys()];
  }

  async start(pipelineRef: string, params: Record<string, string>): Promise<RunMetadata> {
    const pipeline = await loadPipeline(this.options.workspace, pipelineRef);
    const recorder = await createRun(this.options.workspace, pipeline, resolveParams(pipeline.spec, params));
    this.watch(recorder, true);
    // run.created was written before anyone could listen: the feed gets it now, so no client sees a gap.
    for (const listener of this.listeners) listener(recorder.created, recorder.state);
    this.enqueue(recorder, pipeline.spec);
    return recorder.state;
  }

  async cancel(runId: string): Promise<RunMetadata> {
    const run = this.live.get(runId);
    if (!run) {
      const state = await loadRunState(this.options.workspace, runId);
      throw new PipeError('ERR_RUN_STATE', `run ${runId} is ${state.status}, not running or queued`);
    }
    if (!run.done) {
      // Still queued: out of the queue, and that is all.
      this.queue.splice(this.queue.indexOf(runId), 1);
      run.recorder.emit({ type: 'run.finished', status: 'cancelled', error: { code: 'ERR_CANCELLED', message: 'cancelled while queued', stage: null } });
      await this.retire(runId);
      return run.recorder.state;
    }
    run.controller.abort();
    await run.done;
    return run.recorder.state;
  }

  // Answers with the state the approval made: it waits for the stage.approved event (or the run's end).
  async approve(runId: string, by: string): Promise<RunMetadata> {
    const run = this.live.get(runId);
    const state = run?.recorder.state;
    if (!run || state?.status !== 'awaiting_approval') {
      throw new PipeError('ERR_RUN_STATE', `run ${runId} is not waiting for an approval${state ? ` (it is ${state.status})` : ''}`);
    }
    let stop = (): void => undefined;
    const approved = new Promise<void>((resolve) => {
      stop = run.recorder.subscribe((event, after) => {
        if (event.type === 'stage.approved' || isTerminal(after.status)) resolve();
      });
    });
    try {
      if (!this.approvals.approve(runId, by)) throw new PipeError('ERR_RUN_STATE', `run ${runId} is not waiting for an approval (it is ${state.status})`);
      await approved;
    } finally {
      stop();
    }
    return run.recorder.state;
  }

  // Runs it again from its first stage not succeeded. A succeeded stage whose outputs are gone runs again too,
  // and its stage.reset event says why.
  async resume(runId: string): Promise<RunMetadata> {
    const { state, pipeline } = await this.openStopped(runId, 'resume');
    if (state.stages.every((s) => s.status === 'succeeded')) throw new PipeError('ERR_RUN_STATE', `run ${runId} has nothing left to run`);
    const recorder = new RunRecorder(runDir(this.options.workspace, runId), state);
    this.watch(recorder);
    for (const stage of state.stages) {
      if (stage.status !== 'succeeded') continue;
      const missing = [];
      for (const output of stage.checkpoint?.outputs ?? []) {
        if (!(await isNonEmpty(path.resolve(this.options.workspace, output)))) missing.push(output);
      }
      if (missing.length) recorder.emit({ type: 'stage.reset', stage: stage.index, reason: `outputs missing or empty: ${missing.join(', ')}` });
    }
    recorder.emit({ type: 'run.queued', reason: 'resume' });
    this.enqueue(recorder, pipeline.spec);
    return recorder.state;
  }

  // Forgets `to` and every stage downstream of it (each later one, in a line of stages), so the next resume runs
  // them again; a branch beside it keeps what it did.
  async reset(runId: string, to: string): Promise<RunMetadata> {
    const { state } = await this.openStopped(runId, 'reset');
    const index = /^\d+$/.test(to) ? Number(to) : state.stages.findIndex((s) => s.id === to);
    if (index < 0 || index >= state.stages.length) {
      throw new PipeError('ERR_STAGE_NOT_FOUND', `run ${runId} has no stage ${JSON.stringify(to)} (stages: ${state.stages.map((s) => s.id).join(', ')})`);
    }
    const recorder = new RunRecorder(runDir(this.options.workspace, runId), state);
    this.watch(recorder);
    const forget = downstream(needIndexes(state.stages), index);
    for (const stage of state.stages) {
      if (forget.has(stage.index) && stage.status !== 'pending') recorder.emit({ type: 'stage.reset', stage: stage.index, reason: `reset --to ${state.stages[index]?.id}` });
    }
    await recorder.close();
    return recorder.state;
  }

  /** Takes up a run whose Slurm job outlived the daemon that started it: at once, since the job is already running. */
  adoptRunning(recorder: RunRecorder, pipeline: PipelineSpec, adopt: NonNullable<RunOptions['adopt']>): void {
    this.watch(recorder);
    const run: LiveRun = { recorder, pipeline, controller: new AbortController(), done: null };
    this.live.set(recorder.state.run_id, run);
    this.launch(recorder.state.run_id, run, adopt);
  }

  /** Takes over a run a dead daemon left queued. */
  adoptQueued(recorder: RunRecorder, pipeline: PipelineSpec): void {
    this.watch(recorder);
    this.enqueue(recorder, pipeline);
  }

  // The daemon is going down: running runs become `interrupted` (their stages killed), so a resume continues them.
  // A run whose stage is a Slurm job is left running, its job untouched: the next daemon takes it up again.
  async shutdown(reason: string): Promise<void> {
    // A slot freed by a run stopped here must not start a queued one: it would be left `running` by a daemon
    // that is gone. Queued runs stay queued for the next daemon.
    this.closing = true;
    const stopping = [...this.live.values()].filter((run) => run.done);
    await Promise.all(
      stopping.map(async (run) => {
        const state = run.recorder.state;
        if (state.stages.some((s) => s.status === 'running' && s.job)) {
          // Its job goes on for the next daemon to take up; what runs here beside it (a graph) does not.
          run.recorder.seal();
          await stopLocalWork(state, run.pipeline, this.options.graceMs);
          await run.recorder.close().catch(() => undefined);
          return;
        }
        const at = new Date().toISOString();
        run.recorder.emit({ type: 'run.interrupted', error: { code: 'ERR_INTERRUPTED', message: reason, exit_code: null, signal: null, stack: null, at } });
        run.recorder.seal();
        await stopLocalWork(state, run.pipeline, this.options.graceMs);
        await run.recorder.close().catch(() => undefined);
      }),
    );
  }

  private async openStopped(runId: string, what: string): Promise<{ state: RunMetadata; pipeline: LoadedPipeline }> {
    if (this.live.has(runId)) throw new PipeError('ERR_RUN_STATE', `run ${runId} is ${this.liveState(runId)?.status}; cancel it before you ${what} it`);
    const state = await loadRunState(this.options.workspace, runId);
    if (!isTerminal(state.status)) throw new PipeError('ERR_RUN_STATE', `run ${runId} is ${state.status} in another process`);
    const pipeline = await loadRunPipeline(this.options.workspace, state);
    const ids = pipeline.spec.stages.map((s) => s.id);
    if (ids.join('\0') !== state.stages.map((s) => s.id).join('\0')) {
      throw new PipeError('ERR_PIPELINE_CHANGED', `${pipeline.file} now has stages ${ids.join(', ')}; run ${runId} had ${state.stages.map((s) => s.id).join(', ')}`);
    }
    // The run goes on by the graph it recorded: a file whose needs changed since would run another than its rows show.
    const [now, then] = [needIndexes(pipeline.spec.stages), needIndexes(state.stages)];
    const changed = now.findIndex((list, i) => list.join(',') !== (then[i] ?? []).join(','));
    if (changed >= 0) {
      const names = (list: number[] | undefined): string => (list ?? []).map((n) => ids[n]).join(', ') || 'nothing';
      throw new PipeError('ERR_PIPELINE_CHANGED', `${pipeline.file} now says ${ids[changed]} needs ${names(now[changed])}; run ${runId} had it need ${names(then[changed])}: start a new run`);
    }
    return { state, pipeline };
  }

  private enqueue(recorder: RunRecorder, pipeline: PipelineSpec): void {
    const runId = recorder.state.run_id;
    this.live.set(runId, { recorder, pipeline, controller: new AbortController(), done: null });
    this.queue.push(runId);
    this.pump();
  }

  private watch(recorder: RunRecorder, made = false): void {
    indexRecorder(this.options.workspace, recorder, made);
    recorder.subscribe((event, state) => {
      for (const listener of this.listeners) listener(event, state);
    });
  }

  private pump(): void {
    while (!this.closing && this.running < this.options.concurrency && this.queue.length > 0) {
      const runId = this.queue.shift() as string;
      const run = this.live.get(runId);
      if (run) this.launch(runId, run);
    }
  }

  private launch(runId: string, run: LiveRun, adopt?: RunOptions['adopt']): void {
    this.running++;
    run.done = runPipeline({
        pipeline: run.pipeline,
        recorder: run.recorder,
        workspace: this.options.workspace,
        signal: run.controller.signal,
        graceMs: this.options.graceMs,
        approvals: this.approvals,
        circuits: this.options.circuits,
        history: this.options.history,
        awaitNotifications: false,
        slurm: this.options.slurm,
        adopt,
      })
        .then(
          () => undefined,
          (error: unknown) => {
            process.stderr.write(`run ${runId}: ${String(error)}\n`);
          },
        )
        .finally(() => {
          this.running--;
          void this.retire(runId).finally(() => this.pump());
        });
  }

  private async retire(runId: string): Promise<void> {
    const run = this.live.get(runId);
    this.live.delete(runId);
    await run?.recorder.close().catch((error: unknown) => process.stderr.write(`run ${runId}: ${String(error)}\n`));
  }
}
