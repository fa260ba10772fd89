import { PROTOCOL_PREFIX, type ProtocolLine, parseProtocolLine } from '../../shared/stage-protocol.js';
import { isProgressLine, readProgress } from './progress-bytes.js';

/** Longest line held back to be checked for `::pipe:`; a longer one is plain log, passed through in pieces. */
export const MAX_PROTOCOL_LINE = 256 * 1024;

const NEWLINE = 0x0a;
const MARKER = Buffer.from(PROTOCOL_PREFIX);

type StreamState = { pending: Buffer | null; midLine: boolean };
type Progress = Extract<ProtocolLine, { kind: 'progress' }>;

// Splits a stage's stdout and stderr into log bytes and protocol lines. Output with no `::pipe:` in it is
// written in whole chunks without being decoded or copied, which keeps a flood of log lines about as cheap
// as a shell redirect; memory stays bounded whatever the line length or the bytes.
export class OutputRouter {
  private readonly streams: Record<'stdout' | 'stderr', StreamState> = {
    stdout: { pending: null, midLine: false },
    stderr: { pending: null, midLine: false },
  };
  // Within one chunk only the last progress line matters; it is delivered before any other protocol line.
  private heldProgress: Progress | null = null;
  /** The same, not yet read into an object: where its bytes are (three fields: no object per line). */
  private heldBuffer: Buffer | null = null;
  private heldStart = 0;
  private heldEnd = 0;
  /** The stream whose line was last written to the log unfinished (a bar), if any. */
  private open: 'stdout' | 'stderr' | null = null;

  constructor(
    /** Appends bytes to the stage's log. */
    private readonly write: (data: Buffer | string) => void,
    /** Receives each well-formed protocol line (of a burst of progress lines, the last). */
    private readonly onLine: (line: ProtocolLine) => void,
    /** Told of each malformed protocol line (after its warning went to the log). */
    private readonly onMalformed: () => void = () => undefined,
  ) {}

  push(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    const state = this.streams[stream];
    // The other stream's bar, written unfinished, is ended before this stream writes: the two never share a line.
    if (this.open !== null && this.open !== stream) {
      this.write('\n');
      this.open = null;
    }
    this.route(chunk, state);
    if (state.midLine) this.open = stream;
    else if (this.open === stream) this.open = null;
  }

  private route(chunk: Buffer, state: StreamState): void {
    let start = 0;
    if (state.pending || state.midLine) {
      // Finish the line begun in an earlier chunk; only that line is copied, never the whole chunk.
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) return this.hold(state, chunk);
      const head = chunk.subarray(0, newline + 1);
      if (state.midLine) this.write(head);
      else this.complete(Buffer.concat([state.pending as Buffer, head]));
      state.pending = null;
      state.midLine = false;
      start = newline + 1;
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline >= start) this.complete(chunk.subarray(start, lastNewline + 1));
    this.hold(state, chunk.subarray(Math.max(start, lastNewline + 1)));
  }

  /** Flushes partial lines when the stage has ended. */
  end(): void {
    for (const state of Object.values(this.streams)) {
      const rest = state.pending;
      state.pending = null;
      // A protocol line is consumed whole; plain text is closed with a newline so the next header starts clean.
      if (rest && !this.scan(rest) && rest[rest.length - 1] !== NEWLINE) this.write('\n');
      if (state.midLine) this.write('\n');
      state.midLine = false;
    }
  }

  private complete(lines: Buffer): void {
    if (lines.indexOf(MARKER) < 0) this.write(lines);
    else this.scan(lines);
  }

  private hold(state: StreamState, rest: Buffer): void {
    if (rest.length === 0) return;
    if (state.midLine) return this.write(rest);
    const size = (state.pending?.length ?? 0) + rest.length;
    // A line redrawn with `\r` (a tqdm, pip or ffmpeg bar) goes to the log at once, unfinished: such a bar may not
    // end its line for an hour, and what it shows now must be in the log now (the TUI and `logs -f` show it). Other
    // partial lines wait for their newline, so that a line a pipe delivers in two reads stays whole in the log.
    if (size > MAX_PROTOCOL_LINE || (hasReturn(state.pending, rest) && !mayBeProtocol(state.pending, rest))) {
      if (state.pending) this.write(state.pending);
      this.write(rest);
      state.pending = null;
      state.midLine = true;
    } else {
      // A copy: the chunk's memory may be reused by the stream.
      state.pending = state.pending ? Buffer.concat([state.pending, rest]) : Buffer.from(rest);
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
      // In a flood every line starts with the marker: a few byte compares in JS beat a native search per line.
      if (marker >= 0 && marker < lineStart) marker = startsWithMarker(buffer, lineStart) ? lineStart : buffer.indexOf(MARKER, lineStart);
      if (marker === lineStart && isProgressLine(buffer, lineStart, lineEnd)) {
        // A flood's common case: only remembered; the last of a run is read into an object when it is released.
        if (plainStart < lineStart) this.write(buffer.subarray(plainStart, lineStart));
        plainStart = lineEnd;
        this.heldBuffer = buffer;
        this.heldStart = lineStart;
        this.heldEnd = lineEnd;
      } else if (marker >= 0 && marker < lineEnd) {
        const fast = marker === lineStart ? readProgress(buffer, lineStart, lineEnd) : null;
        const text = fast ? '' : buffer.toString('utf8', lineStart, lineEnd);
        const parsed = fast ?? parseProtocolLine(text);
        if (parsed) {
          if (plainStart < lineStart) this.write(buffer.subarray(plainStart, lineStart));
          plainStart = lineEnd;
          if (parsed.kind !== 'malformed') this.deliver(parsed);
          else {
            this.write(`[pipe-tui] warning: malformed ::pipe: line ignored (${parsed.reason}): ${text.trimEnd()}\n`);
            this.onMalformed();
          }
        }
      }
      lineStart = lineEnd;
    }
    this.releaseProgress();
    if (plainStart >= buffer.length) return true;
    this.write(buffer.subarray(plainStart));
    return false;
  }

  private deliver(line: ProtocolLine): void {
    if (line.kind === 'progress') {
      this.heldBuffer = null;
      this.heldProgress = line;
      return;
    }
    this.releaseProgress();
    this.onLine(line);
  }

  // Called before scan returns, while the held line's bytes are still the chunk's.
  private releaseProgress(): void {
    const bytes = this.heldBuffer;
    this.heldBuffer = null;
    const held = bytes ? readProgress(bytes, this.heldStart, this.heldEnd) : this.heldProgress;
    this.heldProgress = null;
    if (held) this.onLine(held);
  }
}

const hasReturn = (head: Buffer | null, tail: Buffer): boolean => tail.includes(0x0d) || (head !== null && head.includes(0x0d));

// Whether a line beginning with `head` then `tail` may still turn out to be `::pipe:…`: after any blanks (a
// protocol line is trimmed before it is read, `\r` included), the marker or the start of it.
function mayBeProtocol(head: Buffer | null, tail: Buffer): boolean {
  let matched = 0;
  let leading = true;
  for (const part of head ? [head, tail] : [tail]) {
    for (let i = 0; i < part.length; i++) {
      const byte = part[i] as number;
      if (leading && (byte === 0x20 || (byte >= 0x09 && byte <= 0x0d))) continue;
      leading = false;
      if (byte !== MARKER[matched]) return false;
      if (++matched === MARKER.length) return true;
    }
  }
  return true;
}

function startsWithMarker(buffer: Buffer, at: number): boolean {
  if (at + MARKER.length > buffer.length) return false;
  for (let k = 0; k < MARKER.length; k++) if (buffer[at + k] !== MARKER[k]) return false;
  return true;
}
