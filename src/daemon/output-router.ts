import { PROTOCOL_PREFIX, type ProtocolLine, parseProtocolLine } from '../shared/stage-protocol.js';

/** Longest line held back to be checked for `::pipe:`; a longer one is plain log, passed through in pieces. */
export const MAX_PROTOCOL_LINE = 256 * 1024;

const NEWLINE = 0x0a;
const MARKER = Buffer.from(PROTOCOL_PREFIX);

type StreamState = { pending: Buffer | null; midLine: boolean };

// Splits a stage's stdout and stderr into log bytes and protocol lines. Output with no `::pipe:` in it is
// written in whole chunks without being decoded, which keeps a flood of log lines about as cheap as a
// shell redirect; memory stays bounded whatever the line length or the bytes.
export class OutputRouter {
  private readonly streams: Record<'stdout' | 'stderr', StreamState> = {
    stdout: { pending: null, midLine: false },
    stderr: { pending: null, midLine: false },
  };

  constructor(
    /** Appends bytes to the stage's log. */
    private readonly write: (data: Buffer | string) => void,
    /** Receives each well-formed protocol line. */
    private readonly onLine: (line: ProtocolLine) => void,
  ) {}

  push(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    const state = this.streams[stream];
    const data = state.pending ? Buffer.concat([state.pending, chunk]) : chunk;
    state.pending = null;
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline >= 0) {
      let complete = data.subarray(0, lastNewline + 1);
      if (state.midLine) {
        // The rest of a line too long to be a protocol line: plain log.
        const end = complete.indexOf(NEWLINE) + 1;
        this.write(complete.subarray(0, end));
        complete = complete.subarray(end);
        state.midLine = false;
      }
      if (complete.length > 0) {
        if (complete.indexOf(MARKER) < 0) this.write(complete);
        else this.scan(complete);
      }
    }
    this.hold(state, data.subarray(lastNewline + 1));
  }

  /** Flushes partial lines when the stage has ended. */
  end(): void {
    for (const state of Object.values(this.streams)) {
      if (!state.pending) continue;
      const rest = state.pending;
      state.pending = null;
      if (state.midLine) this.write(rest);
      // A protocol line is consumed whole; plain text is closed with a newline so the next header starts clean.
      else if (this.scan(rest)) continue;
      if (rest[rest.length - 1] !== NEWLINE) this.write('\n');
    }
    for (const state of Object.values(this.streams)) {
      if (state.midLine) this.write('\n');
      state.midLine = false;
    }
  }

  private hold(state: StreamState, rest: Buffer): void {
    if (rest.length === 0) return;
    if (state.midLine || rest.length > MAX_PROTOCOL_LINE) {
      this.write(rest);
      state.midLine = true;
    } else {
      // Copy: the chunk's memory may be reused by the stream.
      state.pending = Buffer.from(rest);
    }
  }

  // Writes runs of plain lines in one piece and hands protocol lines to onLine. True when all of it was protocol.
  private scan(buffer: Buffer): boolean {
    let plainStart = 0;
    let lineStart = 0;
    let marker = buffer.indexOf(MARKER);
    while (lineStart < buffer.length) {
      const newline = buffer.indexOf(NEWLINE, lineStart);
      const lineEnd = newline < 0 ? buffer.length : newline + 1;
      if (marker >= 0 && marker < lineStart) marker = buffer.indexOf(MARKER, lineStart);
      if (marker >= 0 && marker < lineEnd) {
        const text = buffer.toString('utf8', lineStart, lineEnd);
        const parsed = parseProtocolLine(text);
        if (parsed) {
          if (plainStart < lineStart) this.write(buffer.subarray(plainStart, lineStart));
          plainStart = lineEnd;
          if (parsed.kind === 'malformed') this.write(`[pipe-tui] warning: malformed ::pipe: line ignored (${parsed.reason}): ${text.trimEnd()}\n`);
          else this.onLine(parsed);
        }
      }
      lineStart = lineEnd;
    }
    if (plainStart >= buffer.length) return true;
    this.write(buffer.subarray(plainStart));
    return false;
  }
}
