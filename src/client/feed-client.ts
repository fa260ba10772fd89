import pRetry from 'p-retry';
import { applyEvent } from '../shared/apply-event.js';
import type { RunEvent } from '../shared/events.js';
import type { RunMetadata } from '../shared/metadata-schema.js';
import type { Circuit, ServerMessage } from '../shared/protocol.js';
import { ensureDaemon } from './daemon-launcher.js';
import type { DaemonConnection } from './daemon-connection.js';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface FeedClientOptions {
  workspace: string;
  /** Which runs to follow. */
  runs: 'all' | string[];
  /** Start a daemon when none answers. */
  startDaemon?: boolean;
  /**
   * Of a list of runs, every event from the first (replayed from events.ndjson) rather than a snapshot of the run as
   * it is on joining: `run --follow` joins after the run was queued, and a quick stage would never be told.
   */
  fromFirstEvent?: boolean;
  /** Called after every change of status, and after the runs or circuits changed (once for messages that came together). */
  onChange?: (client: FeedClient) => void;
  /** Called with each event applied, after the state changed. */
  onEvent?: (event: RunEvent, state: RunMetadata) => void;
}

// The daemon's feed folded into run states through the shared applyEvent. It reconnects by itself with
// backoff and subscribes again with the last seq of every run it holds, so it misses nothing and applies
// nothing twice; a gap in seqs or a `resync` makes it ask again the same way.
export class FeedClient {
  readonly runs = new Map<string, RunMetadata>();
  circuits: Circuit[] = [];
  status: FeedStatus = 'connecting';
  connection: DaemonConnection | null = null;
  private closed = false;
  private changeQueued = false;
  private readonly controller = new AbortController();

  constructor(private readonly options: FeedClientOptions) {}

  /** Connects (retrying forever with backoff until close()); resolves once the first connection is up. */
  async start(): Promise<void> {
    await this.connect();
  }

  close(): void {
    this.closed = true;
    this.status = 'closed';
    this.controller.abort();
    this.connection?.close();
  }

  private async connect(): Promise<void> {
    const connection = await pRetry(() => ensureDaemon(this.options.workspace, { start: this.options.startDaemon ?? true }), {
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
      if (this.closed) return;
      this.setStatus('reconnecting');
      this.connect().catch(() => undefined);
    };
    this.resubscribe();
    this.setStatus('live');
  }

  private resubscribe(): void {
    const first = this.options.fromFirstEvent && this.options.runs !== 'all' ? this.options.runs.map((id) => [id, 0]) : [];
    const since = Object.fromEntries([...first, ...[...this.runs].map(([id, run]) => [id, run.seq])]);
    this.connection?.subscribe(this.options.runs, since);
  }

  private receive(message: ServerMessage): void {
    if (message.type === 'snapshot') {
      for (const run of message.runs) this.runs.set(run.run_id, run);
      this.circuits = message.circuits;
    } else if (message.type === 'circuits') {
      this.circuits = message.circuits;
    } else if (message.type === 'resync') {
      return this.resubscribe();
    } else if (message.type === 'event') {
      const { event } = message;
      const before = this.runs.get(event.run_id) ?? null;
      if (before && event.seq <= before.seq) return;
      if ((before && event.seq > before.seq + 1) || (!before && event.type !== 'run.created')) return this.resubscribe();
      const after = applyEvent(before, event);
      if (!after) return;
      this.runs.set(event.run_id, after);
      this.options.onEvent?.(event, after);
    } else {
      return;
    }
    this.changed();
  }

  // Messages that arrive together (one read of the socket: a beat of progress from many stages at once) make one
  // change, told once they are all applied, rather than one change each, of which the first shows a single event.
  private changed(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    setImmediate(() => {
      this.changeQueued = false;
      if (!this.closed) this.options.onChange?.(this);
    });
  }

  private setStatus(status: FeedStatus): void {
    this.status = status;
    this.options.onChange?.(this);
  }
}
