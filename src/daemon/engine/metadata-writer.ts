import { PipeError } from '../../shared/errors.js';
import { RunMetadata } from '../../shared/metadata-schema.js';
import { formatIssues } from '../../shared/zod-issues.js';
import { writeAtomic } from '../../workspace/atomic-write.js';
import { SharedPace } from './shared-pace.js';

/** Minimum gap between two coalesced (non-urgent) writes: at most 20 a second under a flood of progress. */
export const COALESCE_MS = 50;
/**
 * Coalesced writes of all the runs of a process together, about this many a second at most. One run streaming
 * progress still writes every COALESCE_MS; fifty at once write each every two seconds, together, rather than twenty
 * times a second (a thousand atomic writes a second, each one read again by every watcher of the run folders, for
 * figures the feed already carries). Status changes are never held by it.
 */
export const COALESCED_WRITES_PER_S = 25;
const processPace = new SharedPace(COALESCED_WRITES_PER_S, COALESCE_MS);

export interface WriterOptions {
  /** Why the text must not be written, or null to write it. Default: it must parse as metadata.json (schema 1). */
  check?: (text: string) => string | null;
  /** Where a refusal is reported. Default: standard error, which is the daemon's log. */
  warn?: (line: string) => void;
  /** How the text lands. Default: writeAtomic (temp file, fsync, rename). */
  write?: (file: string, text: string) => Promise<void>;
  /** The first wait before a failed write is tried again; it doubles up to RETRY_MAX_MS. */
  retryMs?: number;
  /** The rate coalesced writes share with other writers: by default, the process's. */
  pace?: SharedPace;
}

/** A failed write (a full disk) is tried again after 1 s, then 2, 4… up to 30 s, until one lands. */
export const RETRY_MS = 1000;
const RETRY_MAX_MS = 30_000;

// Keeps metadata.json at most one coalescing gap behind the run's state, and exactly current after every
// status change. One write is in flight at a time; whatever arrives meanwhile is folded into the next one.
// It never writes a file the schema refuses (every reader would take the run for corrupt): such a state is a bug,
// reported once, and the last good file stays until the state parses again. A write that fails (a full disk) is
// tried again with backoff until one lands, even after the run has ended, so what `ls`, `status` and the TUI read
// catches up with the run's events as soon as there is room again.
export class MetadataWriter {
  writes = 0;
  /** States not written because the check refused them. */
  refused = 0;
  private refusing = false;
  private dirty = false;
  private urgent = false;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastStart = 0;
  private failure: unknown = null;
  /** No write before this (a failed one waits before the next try). */
  private retryAt = 0;
  private retryWait = 0;
  private readonly settledWaiters: (() => void)[] = [];

  constructor(
    /** Where to write; a function when the place can move (a run folder followed by its descriptor). */
    private readonly file: string | (() => string),
    /** Serializes the newest state at the moment of writing. */
    private readonly snapshot: () => string,
    private readonly options: WriterOptions = {},
  ) {}

  /** Marks the state changed; `urgent` writes as soon as the disk is free. */
  mark(urgent: boolean): void {
    this.dirty = true;
    if (urgent) this.urgent = true;
    else this.pace.touch(this, Date.now());
    this.pump();
  }

  /** Takes the writer out of the shared rate (its run is closed); a write still due goes on. */
  close(): void {
    this.pace.forget(this);
  }

  private get pace(): SharedPace {
    return this.options.pace ?? processPace;
  }

  /** Waits until everything marked so far is on disk; throws a write failure (tries go on in the background). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.inFlight) {
        await this.inFlight;
        continue;
      }
      if (this.failure) {
        const failure = this.failure;
        this.failure = null;
        throw failure;
      }
      if (!this.dirty) return;
      this.urgent = true;
      this.retryAt = 0;
      this.pump();
      if (!this.inFlight) return; // refused by the check: nothing lands, nothing to wait for
    }
  }

  /** Whether the newest state is still to land (a failed write waiting to be tried again). */
  get behind(): boolean {
    return this.dirty || this.inFlight !== null;
  }

  /** Resolves once the newest state has landed: at once, or after the tries a failure set going. */
  settled(): Promise<void> {
    if (!this.behind) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private pump(): void {
    if (this.inFlight || !this.dirty) return;
    const now = Date.now();
    const wait = Math.max(this.urgent ? 0 : this.pace.next(this.lastStart, now) - now, this.retryAt - now);
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      // Waiting out a failure must not keep a finished foreground run's process alive.
      if (this.retryAt > now) this.timer.unref();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty = false;
    this.urgent = false;
    this.lastStart = Date.now();
    const text = this.snapshot();
    // At most one parse per write, and writes are coalesced to 20 a second: affordable (see bench/progress-flood.ts).
    const refusal = (this.options.check ?? refusedByRunSchema)(text);
    if (refusal !== null) return this.refuse(refusal);
    const file = typeof this.file === 'string' ? this.file : this.file();
    this.inFlight = (this.options.write ?? writeAtomic)(file, text)
      .then(
        () => {
          this.writes++;
          this.refusing = false;
          this.retryWait = 0;
        },
        (error: unknown) => {
          this.failure = error;
          // The state is still to be written: tried again later, not at once (the disk is not emptier yet).
          this.dirty = true;
          this.retryWait = Math.min(RETRY_MAX_MS, this.retryWait ? this.retryWait * 2 : (this.options.retryMs ?? RETRY_MS));
          this.retryAt = Date.now() + this.retryWait;
        },
      )
      .finally(() => {
        this.inFlight = null;
        this.pump();
        if (!this.behind) for (const resolve of this.settledWaiters.splice(0)) resolve();
      });
  }

  private refuse(reason: string): void {
    this.refused++;
    if (this.refusing) return; // one line per spell, not one per coalesced write
    this.refusing = true;
    const error = new PipeError('ERR_INTERNAL', `${this.file} not written, the last good one is kept: the run's state does not match schema 1 (${reason})`);
    (this.options.warn ?? logLine)(`${error.code}: ${error.message}`);
  }
}

/** The check readers apply (src/workspace/run-reader.ts), on exactly the text they would read. */
export function refusedByRunSchema(text: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  const parsed = RunMetadata.safeParse(json);
  return parsed.success ? null : (formatIssues(parsed.error)[0] ?? 'no reason given');
}

const logLine = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
