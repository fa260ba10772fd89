import { writeAtomic } from '../../workspace/atomic-write.js';

/** Minimum gap between two coalesced (non-urgent) writes: at most 20 a second under a flood of progress. */
export const COALESCE_MS = 50;

// Keeps metadata.json at most one coalescing window behind the run's state, and exactly current after every
// status change. One write is in flight at a time; whatever arrives meanwhile is folded into the next one.
export class MetadataWriter {
  writes = 0;
  private dirty = false;
  private urgent = false;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastStart = 0;
  private failure: unknown = null;

  constructor(
    /** Where to write. */
    private readonly file: string,
    /** Serializes the newest state at the moment of writing. */
    private readonly snapshot: () => string,
  ) {}

  /** Marks the state changed; `urgent` writes as soon as the disk is free. */
  mark(urgent: boolean): void {
    this.dirty = true;
    if (urgent) this.urgent = true;
    this.pump();
  }

  /** Waits until everything marked so far is on disk; throws the last write failure, if any. */
  async flush(): Promise<void> {
    while (this.inFlight || this.dirty) {
      if (this.dirty) this.urgent = true;
      this.pump();
      if (this.inFlight) await this.inFlight;
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
  }

  private pump(): void {
    if (this.inFlight || !this.dirty) return;
    const wait = this.urgent ? 0 : this.lastStart + COALESCE_MS - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty = false;
    this.urgent = false;
    this.lastStart = Date.now();
    this.inFlight = writeAtomic(this.file, this.snapshot())
      .then(
        () => {
          this.writes++;
        },
        (error: unknown) => {
          this.failure = error;
        },
      )
      .finally(() => {
        this.inFlight = null;
        this.pump();
      });
  }
}
