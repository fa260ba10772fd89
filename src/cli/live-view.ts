import { etaText, runRemainingMs } from '../shared/eta.js';
import type { RunMetadata, StageState } from '../shared/metadata-schema.js';
import { formatDuration } from '../shared/duration.js';
import { progressBar, statusSymbol, statusTone, type Tone } from '../shared/status-symbols.js';

const FRAME_MS = 100;
const TONES: Record<Tone, string> = { good: '32', bad: '31', busy: '36', wait: '33', dim: '2' };

// The compact live display of `run --foreground` on a terminal: one line per stage, redrawn in place at most
// ten times a second, and left on screen as the final summary.
export class LiveView {
  private lines = 0;
  private closed = false;
  private state: RunMetadata | null = null;
  private timer: NodeJS.Timeout | null = null;
  // Clocks and retry countdowns move even when no event arrives.
  private readonly tick = setInterval(() => this.draw(), 1000).unref();
  private readonly color = !process.env.NO_COLOR;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  update(state: RunMetadata): void {
    if (this.closed) return;
    this.state = state;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.draw();
    }, FRAME_MS);
  }

  /** Draws the last state now and stops redrawing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.tick);
    this.timer = null;
    this.draw();
  }

  private draw(): void {
    if (!this.state) return;
    const width = Math.max(40, this.out.columns ?? 80);
    const rows = frame(this.state, Date.now()).map((row) => this.paint(row, width));
    const up = this.lines > 0 ? `\x1b[${this.lines}F` : '';
    this.out.write(`${up}${rows.map((r) => `${r}\x1b[K`).join('\n')}\n\x1b[J`);
    this.lines = rows.length;
  }

  private paint(row: Row, width: number): string {
    const text = row.text.length > width - 1 ? `${row.text.slice(0, width - 2)}…` : row.text;
    return this.color && row.tone ? `\x1b[${TONES[row.tone]}m${text}\x1b[0m` : text;
  }
}

type Row = { text: string; tone: Tone | null };

export function frame(state: RunMetadata, now: number): Row[] {
  const elapsed = state.started_at ? (state.ended_at ? Date.parse(state.ended_at) : now) - Date.parse(state.started_at) : 0;
  const eta = state.status === 'running' ? ` · ${etaText(runRemainingMs(state, now))}` : '';
  const header = `${statusSymbol(state.status)} ${state.pipeline} ${state.run_id} · ${state.status} · ${state.current_state.progress} · ${formatDuration(elapsed)}${eta}`;
  return [{ text: header, tone: statusTone(state.status) }, ...state.stages.map((s) => ({ text: stageRow(s, now), tone: statusTone(s.status) }))];
}

function stageRow(stage: StageState, now: number): string {
  const parts = [`  ${statusSymbol(stage.status)} ${stage.id.padEnd(14)}`];
  if (stage.status === 'retrying' && stage.next_attempt_at) {
    const wait = Math.max(0, Date.parse(stage.next_attempt_at) - now);
    parts.push(`attempt ${stage.attempts + 1} of ${stage.max_attempts}, next in ${formatDuration(wait)}`);
  } else if (stage.status === 'running') {
    if (stage.attempts > 1) parts.push(`attempt ${stage.attempts} of ${stage.max_attempts}`);
    if (stage.progress) parts.push(`${progressBar(stage.progress.current, stage.progress.total, 16)} ${stage.progress.current}/${stage.progress.total}`);
    if (stage.started_at) parts.push(formatDuration(now - Date.parse(stage.started_at)));
    if (stage.progress?.message) parts.push(stage.progress.message);
  } else if (stage.duration_ms !== null) {
    parts.push(formatDuration(stage.duration_ms));
  }
  if (stage.error && stage.status !== 'running') parts.push(`${stage.error.code}: ${stage.error.message}`);
  return parts.join('  ');
}
