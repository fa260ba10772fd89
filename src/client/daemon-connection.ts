import WebSocket from 'ws';
import { PipeError } from '../shared/errors.js';
import { COMMAND_REPLIES, type Command, type CommandReply, PROTOCOL_VERSION, ServerMessage } from '../shared/protocol.js';
import { formatIssues } from '../shared/zod-issues.js';

/** Without a message (the daemon pings every 5 s) for this long, the daemon is taken for dead. */
export const SILENCE_MS = 12_000;
/**
 * How long a request waits for its reply by default. A live daemon that never answers (an old one that could not
 * read the request's id, a bug) must not hang a command: the deadline turns that into a coded error.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface RequestOptions {
  /** Deadline for the reply; a cancel, which waits for the run to stop, may want longer. */
  timeoutMs?: number;
}

type Waiter = { resolve: (v: unknown) => void; reject: (e: PipeError) => void };

export type Endpoint = { socket: string } | { url: string; token: string };

// One WebSocket connection to the daemon: the handshake, commands with request ids, and every other message
// handed on parsed. It does not reconnect; the feed client above it does.
export class DaemonConnection {
  private readonly pending = new Map<string, Waiter>();
  private nextId = 1;
  /** Subscribes sent and not yet answered (by a snapshot or an error): while any is, an error may be theirs. */
  private subscribesUnanswered = 0;
  private silence: NodeJS.Timeout | null = null;
  /** Every message but replies, in order. */
  onMessage: (message: ServerMessage) => void = () => undefined;
  /** Called once when the connection ends, for whatever reason. */
  onClose: (reason: string) => void = () => undefined;

  private constructor(private readonly ws: WebSocket) {}

  static connect(endpoint: Endpoint, timeoutMs = 3000): Promise<DaemonConnection> {
    const url = 'socket' in endpoint ? `ws+unix://${endpoint.socket}:/` : endpoint.url;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, maxPayload: 256 * 1024 * 1024 });
      const connection = new DaemonConnection(ws);
      const fail = (error: PipeError): void => {
        ws.terminate();
        reject(error);
      };
      const timer = setTimeout(() => fail(new PipeError('ERR_DAEMON_UNREACHABLE', 'the daemon did not answer the handshake')), timeoutMs);
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(new PipeError('ERR_DAEMON_UNREACHABLE', `cannot reach the daemon: ${error.message}`, { cause: error }));
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: 'token' in endpoint ? endpoint.token : undefined })));
      connection.onMessage = (message) => {
        clearTimeout(timer);
        if (message.type === 'welcome') {
          connection.onMessage = () => undefined;
          resolve(connection);
        } else if (message.type === 'error') fail(new PipeError(message.error.code, message.error.message));
      };
      ws.on('message', (data) => connection.receive(String(data)));
      ws.on('ping', () => connection.heard());
      ws.on('close', (code, reason) => connection.closed(`closed (${code}${reason.length ? ` ${reason}` : ''})`));
      ws.on('error', () => undefined);
    });
  }

  /**
   * Sends a command and resolves with the daemon's reply, parsed by that command's schema, or rejects with its coded
   * error; with ERR_DAEMON_UNREACHABLE when no reply came by the deadline.
   */
  async request<C extends Command>(body: C, options: RequestOptions = {}): Promise<CommandReply<C['command']>> {
    const id = String(this.nextId++);
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const result = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PipeError('ERR_DAEMON_UNREACHABLE', `the daemon did not answer ${body.command} within ${seconds(timeoutMs)}; see .pipe-tui/daemon.log`));
      }, timeoutMs);
      const settle = <T>(fn: (v: T) => void) => (v: T): void => {
        clearTimeout(timer);
        fn(v);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.send({ type: 'command', id, body });
    });
    const parsed = COMMAND_REPLIES[body.command].safeParse(result);
    if (!parsed.success) throw new PipeError('ERR_MESSAGE_INVALID', `the daemon's reply to ${body.command} is not understood: ${formatIssues(parsed.error).join('; ')}`);
    return parsed.data as CommandReply<C['command']>;
  }

  subscribe(runs: 'all' | string[], since: Record<string, number> = {}): void {
    if (this.ws.readyState === WebSocket.OPEN) this.subscribesUnanswered++;
    this.send({ type: 'subscribe', runs, since });
  }

  close(): void {
    this.ws.close(1000);
  }

  /** Sends any JSON; tests use it to send what a well-behaved client never would. */
  send(message: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  private receive(text: string): void {
    this.heard();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) return; // a newer daemon's message this client does not know: ignored
    const message = parsed.data;
    if (message.type === 'reply') {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new PipeError(message.error?.code ?? 'ERR_INTERNAL', message.error?.message ?? 'the daemon refused'));
      return;
    }
    if (message.type === 'snapshot') this.subscribesUnanswered = Math.max(0, this.subscribesUnanswered - 1);
    if (message.type === 'error' && this.errorIsTheRequests(message.error)) return;
    this.onMessage(message);
  }

  // A daemon answers a command it could not read the id of with a bare `error` (an older daemon always does).
  // That error is the request's only when nothing else could have caused it: exactly one request waiting and no
  // subscribe unanswered. Otherwise it is passed on, and the request has its reply or its deadline.
  private errorIsTheRequests(error: { code: string; message: string }): boolean {
    if (this.subscribesUnanswered > 0) {
      this.subscribesUnanswered--;
      return false;
    }
    const [only, ...others] = this.pending;
    if (!only || others.length > 0) return false;
    this.pending.delete(only[0]);
    only[1].reject(new PipeError(error.code, error.message));
    return true;
  }

  // Any message or ping proves the daemon alive; silence past SILENCE_MS ends the connection.
  private heard(): void {
    if (this.silence) clearTimeout(this.silence);
    this.silence = setTimeout(() => this.ws.terminate(), SILENCE_MS);
    this.silence.unref();
  }

  private closed(reason: string): void {
    this.subscribesUnanswered = 0;
    if (this.silence) clearTimeout(this.silence);
    for (const waiter of this.pending.values()) waiter.reject(new PipeError('ERR_DAEMON_UNREACHABLE', `the daemon connection ${reason}`));
    this.pending.clear();
    this.onClose(reason);
  }
}

const seconds = (ms: number): string => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);
