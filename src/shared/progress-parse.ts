import * as z from 'zod';
import { createFfmpegParser } from './progress-ffmpeg.js';
import { createPatternParser, patternProblem } from './progress-pattern.js';
import { parseRich } from './progress-rich.js';
import { parseTqdm } from './progress-tqdm.js';
import { stripForMatching } from './terminal-text.js';

// Progress read from what unmodified programs print (tqdm, rich, pip, ffmpeg), or from a stage's own pattern.
// It runs on every frame of a stage's output, so each style first asks a few `includes` before any regex, and a
// frame longer than any bar is refused at once.

export type ProgressSpec = 'auto' | 'none' | { pattern: string };

export const ProgressSpecSchema: z.ZodType<ProgressSpec> = z.union([
  // The object first: of a union's failures the first that is not "wrong type" is the one a user is shown.
  z.strictObject({
    pattern: z.string().superRefine((pattern, ctx) => {
      const problem = patternProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  }),
  z.enum(['auto', 'none']),
]);

/**
 * One reading. current/total are the program's own units: items for tqdm and rich, bytes for pip and tqdm's
 * unit_scale, a percent out of 100 where that is all there is, milliseconds of media for ffmpeg. total is null when
 * the program does not know it. rate_per_s is in current's units; both it and remaining_ms are the program's own
 * figures, null where it shows none.
 */
export interface ParsedProgress {
  current: number;
  total: number | null;
  message: string | null;
  rate_per_s: number | null;
  remaining_ms: number | null;
  /** 'ms': current and total are media time in milliseconds (ffmpeg), shown as a clock and the rate as a speed. */
  unit?: 'ms';
}

export interface ProgressParser {
  /** One line, or one `\r` frame of a line, escapes and all. Null when it says nothing about progress. */
  feed(frame: string): ParsedProgress | null;
}

/** Wider than any terminal's bar: a longer frame is not one, and matching it would only cost time. */
export const MAX_FRAME_CHARS = 16 * 1024;

/** The text a terminal would show of a frame, colours and all other escapes removed. */
export function stripEscapes(frame: string): string {
  return frame.includes('\x1b') ? stripForMatching(frame) : frame;
}

function autoParser(): (text: string) => ParsedProgress | null {
  const ffmpeg = createFfmpegParser();
  return (text) => ffmpeg(text) ?? parseTqdm(text) ?? parseRich(text);
}

export function createProgressParser(spec: ProgressSpec): ProgressParser {
  const parse = spec === 'none' ? null : spec === 'auto' ? autoParser() : createPatternParser(spec.pattern);
  return {
    feed(frame) {
      if (parse === null || frame.length > MAX_FRAME_CHARS) return null;
      try {
        return parse(stripEscapes(frame).trim());
      } catch {
        // A user's pattern can still exhaust the stack; a stage's output must never take the daemon down.
        return null;
      }
    },
  };
}
