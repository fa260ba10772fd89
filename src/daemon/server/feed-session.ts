import type { WebSocket } from 'ws';
import type { RunEvent } from '../../shared/events.js';
import type { ServerMessage } from '../../shared/protocol.js';

/** Bytes queued to one client before it is declared too slow and told to resync (tests lower it). */
export const MAX_CLIENT_BUFFER = Number(process.env.PIPE_TUI_CLIENT_BUFFER) || 8 * 1024 * 1024;
/** Messages of one client waiting to be handled; past it the client is cut off rather than queued for. */
export const MAX_PENDING_MESSAGES = 32;

// One connected client: what it watches, the last seq it was sent per run, and whether it keeps up.
export class FeedSession {
  helloed = false;
  alive = true;
  scope: 'all' | Set<string> | null = null;
  private readonly lastSent = new Map<string, number>();
  // While a subscribe is catching up from disk, live events wait here so none is lost or sent twice.
  private held: RunEvent[] | null = null;
  private stale = false;
  // A client's messages are handled one at a time, in order: two subscribes never interleave their catch-ups, and
  // a client that floods requests waits on itself instead of filling the daemon's memory.
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private inFlight = 0;

  constructor(
    readonly ws: WebSocket,
    /** Came over TCP with the token: trusted less than the socket's owner (pipeline names only, no paths). */
    readonly remote = false,
  ) {}

  /** Queues a message's handling after the ones before it; false when the client already has too many waiting. */
  handle(task: () => Promise<void>): boolean {
    if (this.pending + this.inFlight >= MAX_PENDING_MESSAGES) return false;
    this.pending++;
    this.chain = this.chain.then(async () => {
      try {
        if (this.ws.readyState === this.ws.OPEN) await task();
      } finally {
        this.pending--;
      }
    });
    return true;
  }

  /** Counts a command being answered off the line against what the client may have waiting. */
  track(work: Promise<void>): void {
    this.inFlight++;
    void work.finally(() => this.inFlight--);
  }

  watches(runId: string): boolean {
    return this.scope === 'all' || (this.scope?.has(runId) ?? false);
  }

  beginCatchUp(scope: 'all' | Set<string>): void {
    this.scope = scope;
    this.stale = false;
    this.held = [];
    this.lastSent.clear();
  }

  endCatchUp(): void {
    // Replayed and live events of one run may overlap and arrive out of order: by seq, duplicates then drop.
    const held = (this.held ?? []).sort((a, b) => a.seq - b.seq);
    this.held = null;
    for (const event of held) this.event(event);
  }

  /** Marks a run as known up to `seq` (sent in a snapshot or replayed). */
  sentUpTo(runId: string, seq: number): void {
    this.lastSent.set(runId, Math.max(seq, this.lastSent.get(runId) ?? 0));
  }

  /** `encoded`: the event message already serialized, shared by every session it goes to. */
  event(event: RunEvent, encoded?: string): void {
    if (!this.watches(event.run_id) || this.stale) return;
    if (this.held) {
      this.held.push(event);
      return;
    }
    if (event.seq <= (this.lastSent.get(event.run_id) ?? 0)) return;
    // A client that stopped reading must not make the daemon hold its backlog: it is told to resync instead.
    if (this.ws.bufferedAmount > MAX_CLIENT_BUFFER) {
      this.stale = true;
      // Small and last: it goes out whatever is queued, so the client knows to catch up.
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify({ type: 'resync', reason: 'this client fell behind; subscribe again from your last seqs' } satisfies ServerMessage));
      return;
    }
    this.lastSent.set(event.run_id, event.seq);
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encoded ?? JSON.stringify({ type: 'event', event } satisfies ServerMessage));
  }

  send(message: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // Asking for more while reading nothing: the daemon will not hold an unbounded backlog for it.
    if (this.ws.bufferedAmount > MAX_CLIENT_BUFFER) return this.ws.terminate();
    this.ws.send(JSON.stringify(message));
  }

  error(code: string, message: string): void {
    this.send({ type: 'error', error: { code, message } });
  }
}
