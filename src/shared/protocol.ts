import * as z from 'zod';
import { RunEvent } from './events.js';
import { RunMetadata, RunStatus } from './metadata-schema.js';

/*
 * The daemon's WebSocket protocol, parsed with zod on both sides. JSON text frames, one message each.
 *
 * 1. The client's first message is `hello` with PROTOCOL_VERSION (and the token, on TCP). The daemon answers
 *    `welcome`, or an `error` (ERR_PROTOCOL_VERSION, ERR_UNAUTHORIZED) and closes.
 * 2. `subscribe` names the runs to watch (all, or a list) and, per run, the last seq the client holds. `all`
 *    snapshots the runs the daemon holds (queued, running, waiting) and then follows every run, new ones too;
 *    finished runs are read from their folders. A list snapshots exactly the runs it names.
 *    For a run the client holds, the daemon sends exactly the events after that seq (read from events.ndjson);
 *    for the others a `snapshot` with their whole state; then every new event, in seq order, as it happens.
 *    A reconnecting client therefore misses nothing and receives nothing twice.
 * 3. `command` (run, cancel, resume, approve, reset) carries a request id; the daemon answers `reply` with the
 *    same id: ok with a result, or an error with an ERR_* code.
 * 4. Either side notices a dead peer through WebSocket pings (every 5 s, dead after 10 s without a pong).
 * 5. A client too slow to keep up is sent `resync` instead of more events; it subscribes again from its seqs.
 * Anything malformed, unknown or too large gets an `error` with a code; the connection stays usable. A refused
 * `command` whose id can still be read (commandIdOf) gets a `reply` with that id and ok false instead.
 */
export const PROTOCOL_VERSION = 1;
/** Largest message a client may send; commands are small. */
export const MAX_CLIENT_MESSAGE = 64 * 1024;

const RunId = z.string().min(1).max(128);
/** Longest request id of a command. */
export const MAX_COMMAND_ID = 100;

// A run's params, key by key into an object with no prototype. zod's record would drop a `__proto__` key without a
// word (JSON.parse keeps it as an own key); kept, it reaches resolveParams, which refuses the name with a code.
const noParams = (): Record<string, string> => Object.create(null) as Record<string, string>;
const Params = z.unknown().transform((raw, ctx): Record<string, string> => {
  const params = noParams();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: 'an object of strings' });
    return z.NEVER;
  }
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') params[name] = value;
    else ctx.addIssue({ code: 'custom', path: [name], message: 'a string' });
  }
  return params;
}).default(noParams);

export const Command = z.discriminatedUnion('command', [
  z.object({ command: z.literal('run'), pipeline: z.string().min(1), params: Params }),
  z.object({ command: z.literal('cancel'), run_id: RunId }),
  z.object({ command: z.literal('resume'), run_id: RunId }),
  z.object({ command: z.literal('approve'), run_id: RunId, by: z.string().max(200).optional() }),
  z.object({ command: z.literal('reset'), run_id: RunId, to: z.string().min(1) }),
]);
export type Command = z.infer<typeof Command>;
export type CommandName = Command['command'];

/** What a command that acts on one run answers: the run and its status once the command took effect. */
export const RunReply = z.object({ run_id: RunId, status: RunStatus });
export type RunReply = z.infer<typeof RunReply>;

/** The reply of each command, parsed on the client: a daemon's answer is never cast. */
export const COMMAND_REPLIES = {
  run: RunReply,
  cancel: RunReply,
  resume: RunReply,
  approve: RunReply,
  reset: RunReply,
} as const satisfies Record<CommandName, z.ZodType>;
export type CommandReply<C extends CommandName> = z.infer<(typeof COMMAND_REPLIES)[C]>;

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), protocol: z.number().int(), token: z.string().optional(), client: z.string().max(200).optional() }),
  z.object({
    type: z.literal('subscribe'),
    runs: z.union([z.literal('all'), z.array(RunId).max(10_000)]),
    /** Per run id: the last seq the client holds. */
    since: z.record(z.string(), z.number().int().min(0)).default({}),
  }),
  z.object({ type: z.literal('command'), id: z.string().min(1).max(MAX_COMMAND_ID), body: Command }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** A command's id read from a message that failed ClientMessage, so the refusal can be its reply; else null. */
export function commandIdOf(json: unknown): string | null {
  if (json === null || typeof json !== 'object') return null;
  const { type, id } = json as { type?: unknown; id?: unknown };
  return type === 'command' && typeof id === 'string' && id.length >= 1 && id.length <= MAX_COMMAND_ID ? id : null;
}

export const ProtocolError = z.object({ code: z.string(), message: z.string() });

export const Circuit = z.object({ key: z.string(), failures: z.number().int(), open_until: z.string().nullable() });
export type Circuit = z.infer<typeof Circuit>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), protocol: z.number().int(), daemon_pid: z.number().int(), workspace: z.string() }),
  z.object({ type: z.literal('snapshot'), runs: z.array(RunMetadata), circuits: z.array(Circuit) }),
  z.object({ type: z.literal('event'), event: RunEvent }),
  z.object({ type: z.literal('circuits'), circuits: z.array(Circuit) }),
  z.object({ type: z.literal('reply'), id: z.string(), ok: z.boolean(), result: z.unknown().optional(), error: ProtocolError.optional() }),
  z.object({ type: z.literal('error'), error: ProtocolError }),
  z.object({ type: z.literal('resync'), reason: z.string() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
