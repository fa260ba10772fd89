import { parseBytes } from '../../shared/bytes.js';
import { PipeError } from '../../shared/errors.js';

/** An entity is a result worth keeping, not a disk image: larger ones are refused unless the user says otherwise. */
export const DEFAULT_MAX_ENTITY_BYTES = 1024 ** 3;

/**
 * The entity size cap: PIPE_TUI_MAX_ENTITY_BYTES of the process running the run (the daemon, or `run
 * --foreground`), `1048576`, `500M`, `2G`; 1 GiB when unset. Read at each entity, so a test or a wrapper may set it.
 */
export function maxEntityBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PIPE_TUI_MAX_ENTITY_BYTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_ENTITY_BYTES;
  const bytes = parseBytes(raw);
  // A cap the user set but mistyped is not silently replaced by the default: every entity says why it was refused.
  if (bytes === null) throw new PipeError('ERR_ENTITY_INVALID', `PIPE_TUI_MAX_ENTITY_BYTES must be a size in bytes (1048576, 500M, 2G), got ${JSON.stringify(raw.slice(0, 40))}`);
  return bytes;
}
