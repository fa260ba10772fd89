import type { RunEvent } from '../shared/events.js';
import type { RunMetadata } from '../shared/metadata-schema.js';
import { plainText } from '../shared/terminal-text.js';
import { FAILURE_LINES, readLogTail } from './log-tail.js';
import { eventLine } from './run-lines.js';

// The plain lines of `run --foreground` and `run --follow` when standard output is not a terminal: one line per
// event, and after a stage's failure the last lines its log holds (unless quiet), so a CI log says why without a
// second command. Those are read from the log file, so lines are written through a queue that keeps their order.
export class PlainPrinter {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly workspace: string,
    private readonly quiet: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  event(event: RunEvent, state: RunMetadata): void {
    const line = eventLine(event, state);
    if (line === null) return;
    const failed = event.type === 'stage.failed' && !this.quiet ? state.stages[event.stage] : undefined;
    const runId = state.run_id;
    this.queue = this.queue.then(async () => {
      this.out.write(`${line}\n`);
      if (!failed) return;
      // A log that cannot be read costs its lines, never the run's other lines.
      const tail = await readLogTail(this.workspace, runId, failed, FAILURE_LINES).catch(() => ({ lines: [] }));
      for (const line of tail?.lines ?? []) this.out.write(`[${failed.id}] | ${plainText(line)}\n`);
    });
  }

  /** Resolves once every line so far is written. */
  drained(): Promise<void> {
    return this.queue;
  }
}
