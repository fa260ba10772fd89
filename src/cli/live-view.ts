import { etaText, runRemainingMs } from '../shared/eta.js';
import type { RunMetadata, StageState } from '../shared/metadata-schema.js';
import { formatDuration } from '../shared/duration.js';
import { waitingText } from '../shared/stage-graph.js';
import { poolWaitText, stallText, statusSymbol, statusTone, type Tone } from '../shared/status-symbols.js';
import { progressText, resourcesText } from '../shared/progress-text.js';
import { fitSpans, fitText } from '../shared/fit-spans.js';
import { type Span, ansiText, plainText } from '../shared/terminal-text.js';
import { type OutputLines, StageOutput } from './stage-output.js';

const FRAME_MS = 100;
const TONES: Record<Tone, string> = { good: '32', bad: '31', busy: '36', wait: '33', dim: '2' };

export interface LiveViewOptions {
  /** Where the run's folder is, to show what stages print; without it (or quiet) nothing of their output. */
  workspace?: string;
  quiet?: boolean;
}

// The compact live display of `run --foreground` and `run --follow` on a terminal: one line per stage, the running
// stage's last output line under it, a failed stage's last log lines under its error; redrawn in place at most
// ten times a second, and left on screen as the final summary.
export class LiveView {
  private lines = 0;
  private closed = false;
  private state: RunMetadata | null = null;
  private timer: NodeJS.Timeout | null = null;
  // Clocks and retry countdowns move even when no event arrives.
  private readonly tick = setInterval(() => this.draw(), 1000).unref();
  private readonly color = !process.env.NO_COLOR;
  private readonly output: StageOutput | null;

  constructor(options: LiveViewOptions = {}, private readonly out: NodeJS.WriteStream = process.stdout) {
    this.output = options.workspace && !options.quiet ? new StageOutput(options.workspace, () => this.schedule()) : null;
  }

  update(state: RunMetadata): void {
    if (this.closed) return;
    this.state = state;
    this.output?.watch(state);
    this.schedule();
  }

  /** Waits for a failed stage's last lines to be read, then draws the last frame and stops. */
  async end(): Promise<void> {
    await this.output?.settled();
    this.close();
  }

  /** Draws the last state now and stops redrawing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.tick);
    this.output?.close();
    this.timer = null;
    this.draw();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.draw();
    }, FRAME_MS);
  }

  private draw(): void {
    if (!this.state) return;
    const width = Math.max(40, this.out.columns ?? 80);
    const rows = frame(this.state, Date.now(), this.output ?? undefined).map((row) => this.paint(row, width));
    const up = this.lines > 0 ? `\x1b[${this.lines}F` : '';
    this.out.write(`${up}${rows.map((r) => `${r}\x1b[K`).join('\n')}\n\x1b[J`);
    this.lines = rows.length;
  }

  private paint(row: Row, width: number): string {
    // One cell short of the width: a row that fills it would wrap on some terminals and tear the redraw.
    const text = fitText(row.text, width - 1);
    const painted = this.color && row.tone ? `\x1b[${TONES[row.tone]}m${text}\x1b[0m` : text;
    if (!row.output) return painted;
    const output = fitSpans(row.output, width - 1 - text.length);
    return `${painted}${this.color ? ansiText(output) : plainText(output)}`;
  }
}

/** A row of the display; `output`, a line a stage printed, follows `text` in its own colours. */
type Row = { text: string; tone: Tone | null; output?: Span[] };

// Clocks of two processes (a daemon's event times, this terminal's now) may disagree by a little: never below 0.
const since = (from: string, to: number): number => Math.max(0, to - Date.parse(from));

export function frame(state: RunMetadata, now: number, output?: OutputLines): Row[] {
  const elapsed = state.started_at ? since(state.started_at, state.ended_at ? Date.parse(state.ended_at) : now) : 0;
  const eta = state.status === 'running' ? ` · ${etaText(runRemainingMs(state, now))}` : '';
  const header = `${statusSymbol(state.status)} ${state.pipeline} ${state.run_id} · ${state.status} · ${state.current_state.progress} · ${formatDuration(elapsed)}${eta}`;
  const rows: Row[] = [{ text: header, tone: statusTone(state.status) }];
  for (const stage of state.stages) {
    rows.push({ text: stageRow(stage, now, waitingText(state.stages, stage.index)), tone: statusTone(stage.status) });
    const said = stage.status === 'running' ? [output?.lastLine(stage.index)] : stage.status === 'failed' ? (output?.failureLines(stage.index) ?? []) : [];
    for (const line of said) if (line) rows.push({ text: '      │ ', tone: 'dim', output: line });
  }
  return rows;
}

function stageRow(stage: StageState, now: number, waiting: string | null): string {
  const parts = [`  ${statusSymbol(stage.status)} ${stage.id.padEnd(14)}`];
  if (stage.status === 'retrying' && stage.next_attempt_at) {
    const wait = Math.max(0, Date.parse(stage.next_attempt_at) - now);
    parts.push(`attempt ${stage.attempts + 1} of ${stage.max_attempts}, next in ${formatDuration(wait)}`);
  } else if (stage.status === 'running') {
    if (stage.attempts > 1) parts.push(`attempt ${stage.attempts} of ${stage.max_attempts}`);
    if (stage.progress) parts.push(progressText(stage.progress, 16));
    const used = resourcesText(stage.resources, true, stage.job);
    if (used) parts.push(used);
    if (stage.started_at) parts.push(formatDuration(since(stage.started_at, now)));
    if (stage.progress?.message) parts.push(stage.progress.message);
    const silent = stallText(stage, now);
    if (silent) parts.push(silent);
  } else if (stage.duration_ms !== null) {
    parts.push(formatDuration(Math.max(0, stage.duration_ms)));
  } else if (waiting) {
    parts.push(waiting);
  }
  // A stage (or its items) waiting for a slot of its pool, before or while it runs.
  const pool = poolWaitText(stage);
  if (pool) parts.push(pool);
  if (stage.error && stage.status !== 'running') parts.push(`${stage.error.code}: ${stage.error.message}`);
  return parts.join('  ');
}
