// Stable codes: users grep for them and scripts branch on them, so never rename one. A plain list, not a zod enum:
// the TUI imports PipeError before its first frame, and zod is not worth loading for that.
export const ERROR_CODES = [
  'ERR_STAGE_EXIT',
  'ERR_STAGE_TIMEOUT',
  'ERR_STAGE_STALLED',
  'ERR_STAGE_SIGNAL',
  'ERR_STAGE_SPAWN',
  'ERR_OUTPUT_MISSING',
  'ERR_ITEMS_INVALID',
  'ERR_ITEMS_FAILED',
  'ERR_CANCELLED',
  'ERR_INTERRUPTED',
  'ERR_CIRCUIT_OPEN',
  'ERR_PIPELINE_INVALID',
  'ERR_PIPELINE_NOT_FOUND',
  'ERR_PARAM_INVALID',
  'ERR_RUN_NOT_FOUND',
  'ERR_RUN_ID_INVALID',
  'ERR_RUN_AMBIGUOUS',
  'ERR_STAGE_NOT_FOUND',
  'ERR_ENTITY_INVALID',
  'ERR_ENTITY_NOT_FOUND',
  'ERR_DAEMON_UNREACHABLE',
  'ERR_METADATA_CORRUPT',
  'ERR_METADATA_VERSION',
  'ERR_USAGE',
  'ERR_APPROVAL_TIMEOUT',
  'ERR_APPROVAL_REQUIRED',
  'ERR_RUN_STATE',
  'ERR_PIPELINE_CHANGED',
  'ERR_PROTOCOL_VERSION',
  'ERR_MESSAGE_INVALID',
  'ERR_MESSAGE_TOO_LARGE',
  'ERR_UNAUTHORIZED',
  'ERR_DAEMON_LOCKED',
  'ERR_IO',
  'ERR_CONFIG_INVALID',
  'ERR_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

// A stage may report its own code (`::pipe:error ERR_EMBEDDINGS_MISSING …`); it is kept as given.
export const ANY_ERROR_CODE = /^ERR_[A-Z0-9_]{1,64}$/;

/** The one error type: every failure that crosses a boundary carries a stable code. */
export class PipeError extends Error {
  override name = 'PipeError';
  constructor(
    /** Stable ERR_* code; a stage's own codes pass through, hence string. */
    readonly code: ErrorCode | (string & {}),
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Boundaries (CLI entry, stage runner, later the daemon's handlers) turn whatever was thrown into a PipeError.
export function toPipeError(error: unknown, fallback: ErrorCode = 'ERR_INTERNAL'): PipeError {
  if (error instanceof PipeError) return error;
  if (error instanceof Error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOSPC' || errno === 'EACCES' || errno === 'EROFS' || errno === 'EMFILE' || errno === 'EIO') {
      return new PipeError('ERR_IO', systemMessage(errno, error as NodeJS.ErrnoException), { cause: error });
    }
    return new PipeError(fallback, error.message, { cause: error });
  }
  return new PipeError(fallback, String(error));
}

// `CODE: what, path`, the code said once. Node's fs messages already start with the code (`EACCES: permission
// denied, open '/x'`), a spawn's ends with it (`spawn /x EACCES`); the path is added where the message lacks it.
function systemMessage(errno: string, error: NodeJS.ErrnoException): string {
  let text = error.message.trim();
  if (text.startsWith(`${errno}:`)) text = text.slice(errno.length + 1).trim();
  else if (text === errno) text = '';
  else if (text.endsWith(` ${errno}`)) text = text.slice(0, -errno.length - 1).trim();
  const file = typeof error.path === 'string' && error.path !== '' && !text.includes(error.path) ? error.path : null;
  if (!text) return file ? `${errno}: ${file}` : errno;
  return `${errno}: ${text}${file ? ` (${file})` : ''}`;
}
