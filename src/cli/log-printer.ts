import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { fitSpans } from '../shared/fit-spans.js';
import { type Span, ansiText, plainText } from '../shared/terminal-text.js';
import { renderBytes, renderedParts, scanLines } from '../workspace/log-lines.js';

export interface LogPrinterOptions {
  /** SGR colours kept (a colour terminal), else plain text. */
  color: boolean;
  /** The line a stage is still writing redrawn in place (a terminal); else it is printed once it ends. */
  live: boolean;
}

// `logs` and `logs -f`: a stage log printed line by line as a terminal shows each line (its last `\r` frame, its
// colours or none, no other escape), read from the file in bounded pieces however long the log or a line. The
// escape sequences written are ours alone: SGR from ansiText, and `\r` + ESC[K to redraw the unfinished line.
export class LogPrinter {
  /** Where the first line not yet printed whole starts. */
  private offset = 0;
  /** How far that line has been scanned without finding its end. */
  private scanned = 0;
  /** The unfinished line is drawn on the terminal's current row. */
  private drawn = false;
  /** Output not written yet: written once per chunk read, as a write per line would cost more than rendering it. */
  private pending = '';

  constructor(
    private readonly options: LogPrinterOptions,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  /**
   * Prints what `file` holds past what was printed of it. `final`: the stage writes no more, so its unfinished
   * last line is printed as a line.
   */
  async print(file: string, final: boolean): Promise<void> {
    const handle = await open(file, 'r').catch(() => null);
    if (!handle) return;
    try {
      const { size } = await handle.stat();
      // A final print takes up the unfinished line again, to print it whole even when nothing was added to it.
      for await (const batch of scanLines(handle, final ? this.offset : this.scanned, size, this.offset)) {
        for (const line of batch) {
          if (line.ended || final) {
            this.clearDrawn();
            if (line.bytes) this.pending += this.text(renderBytes(line.bytes));
            else for await (const part of renderedParts(handle, line)) await this.flush(this.text(part));
            this.pending += '\n';
            this.offset = this.scanned = line.ended ? line.end + 1 : line.end;
          } else {
            this.scanned = line.end;
            if (this.options.live) this.drawOpen((await renderedParts(handle, line).next()).value ?? []);
          }
        }
        await this.flush();
      }
      await this.flush();
    } finally {
      await handle.close();
    }
  }

  /** The next file starts from its beginning (a follow moving on to the next stage). */
  next(): void {
    this.offset = this.scanned = 0;
  }

  private drawOpen(spans: Span[]): void {
    // One cell short of the width: a full row wraps on some terminals, and `\r` would then redraw only its end.
    const width = Math.max(10, (this.out.columns || 80) - 1);
    this.pending += `\r${this.text(fitSpans(spans, width))}\x1b[K`;
    this.drawn = true;
  }

  private clearDrawn(): void {
    if (this.drawn) this.pending += '\r\x1b[K';
    this.drawn = false;
  }

  private text(spans: readonly Span[]): string {
    return this.options.color ? ansiText(spans) : plainText(spans);
  }

  /** Writes what is pending, and `more` after it. */
  private async flush(more = ''): Promise<void> {
    const text = this.pending + more;
    if (text === '') return;
    this.pending = '';
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
}
