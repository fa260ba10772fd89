import type { RunMetadata } from '../shared/metadata-schema.js';
import { type Span, ansiText } from '../shared/terminal-text.js';
import { FAILURE_LINES, readLogTail } from './log-tail.js';

/** How often the running stage's log is looked at; a stat when nothing changed. */
const POLL_MS = 250;

/** What the live display shows of stages' output. */
export interface OutputLines {
  /** The running stage's last line (its last frame while it is unfinished), or null. */
  lastLine(stage: number): Span[] | null;
  /** A failed stage's last lines (empty until read). */
  failureLines(stage: number): Span[][];
}

// The live display's view of what stages print, read from their log files: the same for a run in this process
// (--foreground) and one in the daemon (--follow). The running stage's log is polled from its end only; a failed
// stage's last lines are read once.
export class StageOutput implements OutputLines {
  private state: RunMetadata | null = null;
  private running: { index: number; attempt: number; size: number | undefined; line: Span[] | null } | null = null;
  private reading = false;
  private readonly failures = new Map<number, Span[][]>();
  private readonly loads = new Set<Promise<void>>();
  private readonly timer = setInterval(() => void this.poll(), POLL_MS).unref();

  constructor(
    private readonly workspace: string,
    /** Called when something shown changed. */
    private readonly onChange: () => void,
  ) {}

  watch(state: RunMetadata): void {
    this.state = state;
    const stage = state.stages.find((s) => s.status === 'running');
    if (!stage) this.running = null;
    else if (this.running?.index !== stage.index || this.running.attempt !== stage.attempts) {
      // A new stage or a new attempt: the last attempt's line no longer stands for it.
      this.running = { index: stage.index, attempt: stage.attempts, size: undefined, line: null };
      void this.poll();
    }
    for (const failed of state.stages.filter((s) => s.status === 'failed' && !this.failures.has(s.index))) {
      this.failures.set(failed.index, []);
      const load = readLogTail(this.workspace, state.run_id, failed, FAILURE_LINES)
        .then((tail) => {
          this.failures.set(failed.index, tail?.lines ?? []);
          this.onChange();
        })
        .catch(() => undefined)
        .finally(() => this.loads.delete(load));
      this.loads.add(load);
    }
  }

  lastLine(stage: number): Span[] | null {
    return this.running?.index === stage ? this.running.line : null;
  }

  failureLines(stage: number): Span[][] {
    return this.failures.get(stage) ?? [];
  }

  /** Resolves once every failed stage's lines are read, so the last frame can show them. */
  async settled(): Promise<void> {
    while (this.loads.size > 0) await Promise.all([...this.loads]);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    const running = this.running;
    const stage = running && this.state?.stages[running.index];
    if (!running || !stage || !this.state || this.reading) return;
    this.reading = true;
    try {
      const tail = await readLogTail(this.workspace, this.state.run_id, stage, 1, running.size);
      if (!tail || this.running !== running) return;
      running.size = tail.size;
      const line = tail.lines.at(-1) ?? null;
      if (textOf(line) !== textOf(running.line)) {
        running.line = line;
        this.onChange();
      }
    } catch {
      // An unreadable log shows no line; the next poll tries again.
    } finally {
      this.reading = false;
    }
  }
}

const textOf = (line: Span[] | null): string | null => line && ansiText(line);
