import pRetry from 'p-retry';
import { applyEvent } from '../shared/apply-event.js';
import type { RunEvent } from '../shared/events.js';
import type { RunMetadata } from '../shared/metadata-schema.js';
import type { ServerMessage } from '../shared/protocol.js';
import type { DaemonConnection } from '../client/daemon-connection.js';
import { ensureDaemon } from '../client/daemon-launcher.js';

// One run on the daemon's feed, from its very first event. The feed client would start from a snapshot of the
// run as it is when we join, and `run --follow` joins after the run was queued: a quick stage, or a whole quick
// run, would be over and never told. So this asks for every event after seq 0, which the daemon replays from
// events.ndjson, then goes on live: the same events, in the same order, as `run --foreground` sees in-process.
// It reconnects by itself with backoff and asks again from the last seq it holds; a gap or a resync does the same.
export class RunFeed {
  state: RunMetadata | null = null;
  private connection: DaemonConnection | null = null;
  private closed = false;
  /** A subscribe is out and its snapshot not yet back: the events before it may still have gaps. */
  private asking = false;
  private readonly controller = new AbortController();

  constructor(
    private readonly workspace: string,
    private readonly runId: string,
    /** Called with each event applied, in seq order, with the state it made. */
    private readonly onEvent: (event: RunEvent, state: RunMetadata) => void,
  ) {}

  /** Connects (retrying with backoff until close()); resolves once the first connection is up. */
  async start(): Promise<void> {
    // As the feed client does: a daemon stopped on purpose is not started again behind the user's back.
    const connection = await pRetry(() => ensureDaemon(this.workspace, { start: true }), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 200,
      maxTimeout: 5000,
      randomize: true,
      signal: this.controller.signal,
    });
    if (this.closed) return connection.close();
    this.connection = connection;
    connection.onMessage = (message) => this.receive(message);
    connection.onClose = () => {
      this.connection = null;
      if (!this.closed) this.start().catch(() => undefined);
    };
    this.subscribe();
  }

  close(): void {
    this.closed = true;
    this.controller.abort();
    this.connection?.close();
  }

  private subscribe(): void {
    this.asking = true;
    this.connection?.subscribe([this.runId], { [this.runId]: this.state?.seq ?? 0 });
  }

  private receive(message: ServerMessage): void {
    if (message.type === 'resync') return this.subscribe();
    // The daemon answers a subscribe with a snapshot (which holds none of a run asked for by seq), then the replay.
    if (message.type === 'snapshot') this.asking = false;
    if (message.type !== 'event' || message.event.run_id !== this.runId) return;
    const { event } = message;
    const held = this.state?.seq ?? 0;
    if (event.seq <= held) return;
    if (event.seq > held + 1) {
      // Asked once; the replay that answers it fills the gap, so the events still in flight do not ask again.
      if (!this.asking) this.subscribe();
      return;
    }
    const next = applyEvent(this.state, event);
    if (!next) return;
    this.state = next;
    this.onEvent(event, next);
  }
}
