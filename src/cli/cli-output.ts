import { PipeError, toPipeError } from '../shared/errors.js';

// Codes that mean the user asked for something wrong: exit 2, as SPEC section 5 promises.
const BAD_INPUT = new Set([
  'ERR_PIPELINE_INVALID', 'ERR_PIPELINE_NOT_FOUND', 'ERR_PARAM_INVALID', 'ERR_RUN_NOT_FOUND', 'ERR_RUN_ID_INVALID', 'ERR_RUN_AMBIGUOUS',
  'ERR_STAGE_NOT_FOUND', 'ERR_ENTITY_INVALID', 'ERR_ENTITY_NOT_FOUND', 'ERR_USAGE',
  // The daemon refused the request as sent: an argument past a limit (a 300-character run id, a 70 KB parameter).
  'ERR_MESSAGE_INVALID', 'ERR_MESSAGE_TOO_LARGE',
]);

// Every CLI failure ends here: one line `pipe-tui: ERR_CODE: message` (more lines only to list problems), no stack.
export function reportError(error: unknown): number {
  const pipeError = toPipeError(error);
  process.stderr.write(`pipe-tui: ${pipeError.code}: ${pipeError.message}\n`);
  if (process.env.PIPE_TUI_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return BAD_INPUT.has(pipeError.code) ? 2 : 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const usageError = (message: string): PipeError => new PipeError('ERR_USAGE', message);

/** A daemon slow to start says what it is doing, on stderr, so a script's stdout stays clean. */
export const saySlow = (text: string): void => void process.stderr.write(`pipe-tui: ${text}\n`);
