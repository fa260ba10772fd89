import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { userInfo } from 'node:os';
import { type RawData, WebSocketServer } from 'ws';
import { PipeError, toPipeError } from '../../shared/errors.js';
import { PIPELINE_NAME, isRunId } from '../../shared/names.js';
import { ClientMessage, type Command, type CommandReply, commandIdOf, MAX_CLIENT_MESSAGE, PROTOCOL_VERSION, type RunReply } from '../../shared/protocol.js';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { formatIssues } from '../../shared/zod-issues.js';
import type { CircuitBreaker } from '../engine/circuit-breaker.js';
import { FeedSession } from './feed-session.js';
import type { RunManager } from './run-manager.js';
import { eventsAfter } from '../../workspace/run-events.js';
import { readRun } from '../../workspace/run-reader.js';

const PING_MS = 5000;
/** A client must say hello this soon after connecting, or it is let go. */
export const HELLO_MS = Number(process.env.PIPE_TUI_HELLO_MS) || 5000;
/** TCP connections that have not yet shown the token, at most; more are turned away at the door. */
export const MAX_UNAUTHENTICATED = 64;
/** TCP connections in all: descriptors are the daemon's to keep for its own socket and stages. */
export const MAX_TCP_CONNECTIONS = 256;
/** Runs one subscribe may name or hold, as the protocol's schema caps its list. */
const MAX_SUBSCRIBED = 10_000;

export interface FeedOptions {
  workspace: string;
  manager: RunManager;
  circuits: CircuitBreaker;
}

// The daemon's WebSocket feed: handshake, subscriptions with exact catch-up, commands, pings. Every message is
// parsed with zod and every failure answered with a code; nothing a client sends can bring the daemon down.
export class FeedServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * MAX_CLIENT_MESSAGE });
  private readonly sessions = new Set<FeedSession>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly options: FeedOptions) {
    options.manager.subscribe((event) => {
      if (this.sessions.size === 0) return;
      const encoded = JSON.stringify({ type: 'event', event });
      for (const session of this.sessions) session.event(event, encoded);
    });
    options.circuits.onChange((circuits) => {
      for (const session of this.sessions) if (session.helloed) session.send({ type: 'circuits', circuits });
    });
    this.wss.on('error', () => undefined);
    // Either side notices a dead peer: no pong since the last ping means gone (within two periods, 10 s).
    this.pinger = setInterval(() => {
      for (const session of this.sessions) {
        if (!session.alive) session.ws.terminate();
        session.alive = false;
        session.ws.ping();
      }
    }, PING_MS);
  }

  /** Serves WebSocket upgrades of `server`; `token` is required of clients when given (TCP). */
  attach(server: Server, token: string | null): void {
    if (token !== null) {
      // Over TCP anyone on the network can connect: bound how many, and how long one may dawdle before upgrading.
      server.maxConnections = MAX_TCP_CONNECTIONS;
      server.headersTimeout = HELLO_MS;
      server.requestTimeout = HELLO_MS;
    }
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      if (token !== null && this.unauthenticated() >= MAX_UNAUTHENTICATED) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.connect(new FeedSession(ws, token !== null), token));
    });
  }

  private unauthenticated(): number {
    let count = 0;
    for (const session of this.sessions) if (session.remote && !session.helloed) count++;
    return count;
  }

  close(): void {
    clearInterval(this.pinger);
    for (const session of this.sessions) session.ws.close(1001, 'daemon stopping');
    this.wss.close();
  }

  private connect(session: FeedSession, token: string | null): void {
    this.sessions.add(session);
    const silent = setTimeout(() => {
      if (session.helloed) return;
      session.error(token ? 'ERR_UNAUTHORIZED' : 'ERR_MESSAGE_INVALID', `no hello within ${HELLO_MS / 1000} s`);
      session.ws.terminate();
    }, HELLO_MS);
    const gone = (): void => {
      clearTimeout(silent);
      this.sessions.delete(session);
    };
    session.ws.on('pong', () => (session.alive = true));
    session.ws.on('close', gone);
    session.ws.on('error', gone);
    session.ws.on('message', (data: RawData, isBinary: boolean) => {
      const queued = session.handle(() =>
        this.receive(session, data, isBinary, token).catch((error: unknown) => {
          const e = toPipeError(error);
          session.error(e.code, e.message);
        }),
      );
      if (!queued) {
        session.error('ERR_MESSAGE_TOO_LARGE', 'too many messages waiting; wait for the replies before sending more');
        session.ws.terminate();
      }
    });
  }

  private async receive(session: FeedSession, data: RawData, isBinary: boolean, token: string | null): Promise<void> {
    // A refused command whose id can be read gets a reply with that id, so its sender is not left waiting on it.
    const refuse = (code: string, text: string, json: unknown): void => {
      const id = commandIdOf(json);
      if (id === null) session.error(code, text);
      else session.send({ type: 'reply', id, ok: false, error: { code, message: text } });
    };
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (size > MAX_CLIENT_MESSAGE) {
      // Still parsed for its id: ws has already held it whole, and it is at most 16 times the limit (maxPayload).
      let json: unknown;
      try {
        json = isBinary ? null : JSON.parse(String(data));
      } catch {
        json = null;
      }
      return refuse('ERR_MESSAGE_TOO_LARGE', `messages are at most ${MAX_CLIENT_MESSAGE} bytes; this one was ${size}`, json);
    }
    if (isBinary) return session.error('ERR_MESSAGE_INVALID', 'binary frames are not part of the protocol; send JSON text');
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return session.error('ERR_MESSAGE_INVALID', 'not JSON');
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) return refuse('ERR_MESSAGE_INVALID', formatIssues(parsed.error).join('; '), json);
    const message = parsed.data;
    if (message.type === 'hello') return this.hello(session, message, token);
    if (!session.helloed) {
      session.error(token ? 'ERR_UNAUTHORIZED' : 'ERR_MESSAGE_INVALID', 'say hello first');
      if (token) session.ws.close(4401, 'ERR_UNAUTHORIZED');
      return;
    }
    if (message.type === 'subscribe') return this.subscribe(session, message.runs, message.since);
    // A command may take a while (a cancel waits for its stage to stop): it is answered off the line, so the
    // client's next messages do not wait behind it; how many may be in flight is bounded all the same.
    session.track(this.answer(session, message.id, message.body));
  }

  private async answer(session: FeedSession, id: string, body: Command): Promise<void> {
    try {
      const result = await this.command(body, session.remote);
      session.send({ type: 'reply', id, ok: true, result });
    } catch (error) {
      const e = toPipeError(error);
      session.send({ type: 'reply', id, ok: false, error: { code: e.code, message: e.message } });
    }
  }

  private hello(session: FeedSession, message: Extract<ClientMessage, { type: 'hello' }>, token: string | null): void {
    if (message.protocol !== PROTOCOL_VERSION) {
      session.error('ERR_PROTOCOL_VERSION', `this daemon speaks protocol ${PROTOCOL_VERSION}, the client ${message.protocol}; use the same pipe-tui version for both`);
      session.ws.close(4400, 'ERR_PROTOCOL_VERSION');
      return;
    }
    if (token !== null && !sameSecret(message.token ?? '', token)) {
      session.error('ERR_UNAUTHORIZED', 'wrong or missing token (see .pipe-tui/token)');
      session.ws.close(4401, 'ERR_UNAUTHORIZED');
      return;
    }
    session.helloed = true;
    session.send({ type: 'welcome', protocol: PROTOCOL_VERSION, daemon_pid: process.pid, workspace: this.options.workspace });
  }

  // Snapshot for runs the client does not hold, exactly the missed events for those it does, then live events.
  private async subscribe(session: FeedSession, runs: 'all' | string[], since: Record<string, number>): Promise<void> {
    const held = Object.keys(since);
    if (held.length > MAX_SUBSCRIBED) return session.error('ERR_MESSAGE_INVALID', `a subscribe holds at most ${MAX_SUBSCRIBED} runs`);
    const bad = [...(runs === 'all' ? [] : runs), ...held].find((id) => !isRunId(id));
    if (bad !== undefined) return session.error('ERR_RUN_ID_INVALID', `not a run id: ${JSON.stringify(bad)}`);
    session.beginCatchUp(runs === 'all' ? 'all' : new Set(runs));
    try {
      // `all` means every run the daemon holds (queued, running, waiting) and every run made from now on; finished
      // runs are in their folders, where a client reads them, so thousands of them are never sent again and again.
      // A list naming one run many times is served once: what a client asks for costs it, not the daemon.
      const ids = [...new Set(runs === 'all' ? [...this.options.manager.liveRunIds(), ...Object.keys(since)] : runs)];
      const snapshot: RunMetadata[] = [];
      const replay = [];
      for (const id of ids) {
        const held = since[id];
        if (held !== undefined) {
          replay.push(...(await eventsAfter(this.options.workspace, id, held)));
          session.sentUpTo(id, held);
          continue;
        }
        const live = this.options.manager.liveState(id);
        const read = live ? { ok: true as const, run: live } : await readRun(this.options.workspace, id);
        if (!read.ok) continue; // corrupt or half-created: the folder watcher shows those
        snapshot.push(read.run);
        session.sentUpTo(id, read.run.seq);
      }
      session.send({ type: 'snapshot', runs: snapshot, circuits: this.options.circuits.list() });
      for (const event of replay) session.event({ ...event });
    } finally {
      session.endCatchUp();
    }
  }

  private async command(body: Command, remote: boolean): Promise<CommandReply<Command['command']>> {
    const { manager } = this.options;
    const summary = (run: RunMetadata): RunReply => ({ run_id: run.run_id, status: run.status });
    if (body.command === 'run') {
      // A token holder runs the workspace's pipelines, not whatever file the daemon can read.
      if (remote && (!PIPELINE_NAME.test(body.pipeline) || /\.(ya?ml|json)$/.test(body.pipeline))) {
        throw new PipeError('ERR_PIPELINE_NOT_FOUND', 'over TCP a run names a pipeline in the workspace\'s pipelines/ folder, not a file path');
      }
      return summary(await manager.start(body.pipeline, body.params));
    }
    if (!isRunId(body.run_id)) throw new PipeError('ERR_RUN_ID_INVALID', `not a run id: ${JSON.stringify(body.run_id)}`);
    switch (body.command) {
      case 'cancel':
        return summary(await manager.cancel(body.run_id));
      case 'resume':
        return summary(await manager.resume(body.run_id));
      case 'approve':
        return summary(await manager.approve(body.run_id, body.by ?? userInfo().username));
      case 'reset':
        return summary(await manager.reset(body.run_id, body.to));
    }
  }
}

// Constant-time comparison of a presented token with the real one, whatever their lengths.
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
