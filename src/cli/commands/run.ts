import { resolveParams } from '../../shared/parse-pipeline.js';
import { createRun } from '../../daemon/engine/create-run.js';
import { loadPipeline } from '../../workspace/pipeline-files.js';
import { History } from '../../daemon/engine/history-writer.js';
import { runPipeline } from '../../daemon/engine/pipeline-runner.js';
import { indexRecorder } from '../../daemon/engine/run-index-writer.js';
import { printJson, saySlow } from '../cli-output.js';
import { LiveView } from '../live-view.js';
import { PlainPrinter } from '../plain-printer.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';
import { ensureDaemon } from '../../client/daemon-launcher.js';
import { exitCodeFor, followRun } from '../follow-run.js';
import { pipelineRef } from '../pipeline-ref.js';
import { parseParamPairs } from '../param-pairs.js';

export interface RunCommandOptions extends CommonOptions {
  /** `-p key=value`, repeatable. */
  param: string[];
  foreground?: boolean;
  follow?: boolean;
  /** Shows no stage output: neither the live line nor a failed stage's last log lines. */
  quiet?: boolean;
}


export async function runCommand(pipelineName: string, options: RunCommandOptions): Promise<number> {
  if (!options.foreground) return runOnDaemon(pipelineName, options);
  const workspace = resolveWorkspace(options);
  const pipeline = await loadPipeline(workspace, pipelineName);
  const params = resolveParams(pipeline.spec, parseParamPairs(options.param));
  const recorder = await createRun(workspace, pipeline, params);
  indexRecorder(workspace, recorder, true);

  // Ctrl-C, a closed terminal or a kill cancel the run cleanly rather than leave a "running" run behind.
  const live = !options.json && process.stdout.isTTY ? new LiveView({ workspace, quiet: options.quiet }) : null;
  const plain = !options.json && !live ? new PlainPrinter(workspace, options.quiet ?? false) : null;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    // The live display shows the cancel itself; a stray line would tear its redraw.
    if (!controller.signal.aborted && !live) process.stderr.write(`pipe-tui: ${signal}: cancelling run ${recorder.state.run_id}…\n`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  recorder.subscribe((event, state) => {
    live?.update(state);
    plain?.event(event, state);
  });
  try {
    const history = await History.open(workspace);
    const final = await runPipeline({ pipeline: pipeline.spec, recorder, workspace, signal: controller.signal, history });
    // A failed stage's last lines are read from its log before the last frame or line goes out.
    await live?.end();
    await plain?.drained();
    if (options.json) printJson({ run_id: final.run_id, status: final.status, error: final.error });
    return exitCodeFor(final.status);
  } finally {
    live?.close();
    for (const s of signals) process.off(s, onSignal);
    await recorder.close();
  }
}

// Queues the run on the daemon (started if need be) and prints its id at once; --follow then streams it.
async function runOnDaemon(pipelineName: string, options: RunCommandOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const connection = await ensureDaemon(workspace, { onSlow: saySlow });
  let runId: string;
  try {
    const result = await connection.request({ command: 'run', pipeline: pipelineRef(pipelineName), params: parseParamPairs(options.param) });
    runId = result.run_id;
  } finally {
    connection.close();
  }
  if (options.follow) {
    if (!options.json) process.stdout.write(`${runId}\n`);
    return followRun(workspace, runId, options.json ?? false, options.quiet ?? false);
  }
  if (options.json) printJson({ run_id: runId });
  else process.stdout.write(`${runId}\n`);
  return 0;
}
