import { isTerminal } from '../shared/metadata-schema.js';
import { FeedClient } from '../client/feed-client.js';
import { LiveView } from './live-view.js';
import { eventLine, runSummary } from './run-lines.js';

/** Exit codes of a finished run, shared by `run --foreground` and `run --follow`. */
export const exitCodeFor = (status: string): number => (status === 'succeeded' ? 0 : status === 'cancelled' ? 130 : 1);

// Streams one run from the daemon's feed until it ends (reconnecting if the daemon connection drops).
// Ctrl-C only stops watching: the run goes on in the daemon.
export async function followRun(workspace: string, runId: string, json: boolean): Promise<number> {
  const live = !json && process.stdout.isTTY ? new LiveView() : null;
  return new Promise<number>((resolve) => {
    const finish = (code: number): void => {
      live?.close();
      process.off('SIGINT', onSigint);
      client.close();
      resolve(code);
    };
    const onSigint = (): void => {
      process.stderr.write(`\npipe-tui: stopped following; run ${runId} goes on (pipe-tui cancel ${runId} stops it)\n`);
      finish(130);
    };
    process.on('SIGINT', onSigint);
    let summarized = false;
    const client: FeedClient = new FeedClient({
      workspace,
      runs: [runId],
      onEvent: (event, state) => {
        if (json) return;
        if (live) return live.update(state);
        if (event.type === 'run.finished') summarized = true;
        const line = eventLine(event, state);
        if (line) process.stdout.write(`${line}\n`);
      },
      onChange: () => {
        const state = client.runs.get(runId);
        if (!state) return;
        live?.update(state);
        if (isTerminal(state.status)) {
          // A run that ended before we joined (or while we were away) still gets its closing line.
          if (!json && !live && !summarized) process.stdout.write(`${runSummary(state)}\n`);
          if (json) process.stdout.write(`${JSON.stringify({ run_id: runId, status: state.status, error: state.error })}\n`);
          finish(exitCodeFor(state.status));
        }
      },
    });
    client.start().catch(() => finish(1));
  });
}
