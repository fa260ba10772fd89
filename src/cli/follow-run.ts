import type { RunEvent } from '../shared/events.js';
import { type RunMetadata, isTerminal } from '../shared/metadata-schema.js';
import { LiveView } from './live-view.js';
import { PlainPrinter } from './plain-printer.js';
import { FeedClient } from '../client/feed-client.js';

/** Exit codes of a finished run, shared by `run --foreground` and `run --follow`. */
export const exitCodeFor = (status: string): number => (status === 'succeeded' ? 0 : status === 'cancelled' ? 130 : 1);

// Streams one run from the daemon's feed, from its first event to its end (reconnecting if the daemon connection
// drops), so what it prints is what `run --foreground` prints. Ctrl-C only stops watching: the run goes on.
// `quiet`: no stage output, neither the live line nor a failed stage's last log lines.
export async function followRun(workspace: string, runId: string, json: boolean, quiet = false): Promise<number> {
  const live = !json && process.stdout.isTTY ? new LiveView({ workspace, quiet }) : null;
  const plain = !json && !live ? new PlainPrinter(workspace, quiet) : null;
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number, last?: () => Promise<void>): void => {
      if (done) return;
      done = true;
      process.off('SIGINT', onSigint);
      feed.close();
      void (last?.() ?? Promise.resolve()).finally(() => {
        live?.close();
        resolve(code);
      });
    };
    const onSigint = (): void => {
      process.stderr.write(`\npipe-tui: stopped following; run ${runId} goes on (pipe-tui cancel ${runId} stops it)\n`);
      finish(130);
    };
    process.on('SIGINT', onSigint);
    const onEvent = (event: RunEvent, state: RunMetadata): void => {
      if (event.run_id !== runId) return;
      live?.update(state);
      plain?.event(event, state);
      if (!isTerminal(state.status)) return;
      finish(exitCodeFor(state.status), async () => {
        // The failed stage's last lines are read from its log before the last frame or line goes out.
        await live?.end();
        await plain?.drained();
        if (json) process.stdout.write(`${JSON.stringify({ run_id: runId, status: state.status, error: state.error })}\n`);
      });
    };
    const feed = new FeedClient({ workspace, runs: [runId], fromFirstEvent: true, onEvent });
    feed.start().catch(() => finish(1));
  });
}
