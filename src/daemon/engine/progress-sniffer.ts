import { MAX_FRAME_CHARS, type ParsedProgress, type ProgressParser, type ProgressSpec, createProgressParser } from '../../shared/progress-parse.js';

// Progress read from what a stage prints when it does not speak `::pipe:progress`: tqdm's `\r` bars, pip's and
// rich's, ffmpeg's stats. A chunk of output may hold a thousand frames of a bar redrawn every few ms; only its last
// frames say where the program is now, so a large chunk has only its end decoded and read, plus the lines a parser
// needs for context (ffmpeg's `Duration:`). A small chunk (ffmpeg's `-progress` block of key=value lines, a slow
// bar) has every frame read. This keeps 1 M frames through a stage about as cheap as the log write itself.

/** Chunks up to this size have every frame read; of larger ones, the last this many bytes. */
const SMALL_CHUNK = 4096;
/** A frame still open at a chunk's end is kept up to this long to be completed by the next chunk. */
const MAX_TAIL = 16 * 1024;
const CONTEXT = Buffer.from('Duration:');
const FRAME_END = /[\r\n]/;

type Stream = 'stdout' | 'stderr';

export class ProgressSniffer {
  private readonly parser: ProgressParser;
  /** Per stream, the text after its last `\r` or `\n`: a frame that may go on in the next chunk. */
  private readonly open: Record<Stream, string> = { stdout: '', stderr: '' };

  constructor(
    spec: ProgressSpec,
    private readonly onProgress: (progress: ParsedProgress) => void,
  ) {
    this.parser = createProgressParser(spec);
  }

  push(chunk: Buffer, stream: Stream): void {
    let reading: ParsedProgress | null = null;
    const feed = (frame: string): void => {
      if (frame.length === 0) return;
      reading = this.parser.feed(frame) ?? reading;
    };
    const small = chunk.length <= SMALL_CHUNK;
    if (!small) for (const line of contextLines(chunk)) feed(line);
    // A large chunk's first frames are cut: what went before them (the open frame) is dropped with them.
    const text = (small ? this.open[stream] : '') + chunk.toString('utf8', small ? 0 : chunk.length - SMALL_CHUNK);
    const frames = text.split(FRAME_END);
    const last = frames.pop() ?? '';
    for (const frame of small ? frames : frames.slice(-1)) feed(frame);
    // tqdm writes `\r` then its bar: the frame after the last `\r` is usually whole already, and read now.
    feed(last);
    this.open[stream] = last.length > MAX_TAIL ? '' : last;
    if (reading) this.onProgress(reading);
  }
}

/** Context lines read from one chunk at most: ffmpeg prints one Duration per input. */
const MAX_CONTEXT = 8;

// The lines of a chunk holding a context marker, in order, each once: a line repeating the marker thousands of
// times is one line, and one longer than any frame a parser reads is not decoded at all.
function contextLines(chunk: Buffer): string[] {
  const lines: string[] = [];
  for (let at = chunk.indexOf(CONTEXT); at >= 0 && lines.length < MAX_CONTEXT; ) {
    const start = Math.max(chunk.lastIndexOf(0x0a, at), chunk.lastIndexOf(0x0d, at)) + 1;
    const ends = [chunk.indexOf(0x0a, at), chunk.indexOf(0x0d, at)].filter((i) => i >= 0);
    const end = ends.length ? Math.min(...ends) : chunk.length;
    if (end - start <= MAX_FRAME_CHARS) lines.push(chunk.toString('utf8', start, end));
    at = chunk.indexOf(CONTEXT, end);
  }
  return lines;
}
