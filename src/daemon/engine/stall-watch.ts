// Tells when a running stage goes silent past its `stall_after`, and when it speaks again. Output can come in
// millions of chunks, so a chunk only stamps the time: one timer per stage, re-armed when it fires early (it reads
// the stamp then), never per chunk. Each silence is told once, and its end once.
export class StallWatch {
  private last = Date.now();
  private stalled = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly afterMs: number,
    private readonly on: { stalled: (silentMs: number) => void; resumed: (silentMs: number) => void },
    /** Not timed until `resume`: a cluster job waiting in the queue is not silent, it has not begun. */
    paused = false,
  ) {
    if (!paused) this.arm(afterMs);
  }

  /** Output or progress: the stage is not silent. */
  activity(): void {
    const now = Date.now();
    const silent = now - this.last;
    this.last = now;
    if (!this.stalled) return;
    this.stalled = false;
    this.on.resumed(silent);
    this.arm(this.afterMs);
  }

  /** Stops timing (a queued cluster job); `resume` starts afresh from now. */
  pause(): void {
    this.clear();
  }

  resume(): void {
    if (this.stopped || this.timer || this.stalled) return;
    this.last = Date.now();
    this.arm(this.afterMs);
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.clear();
    this.timer = setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.timer = null;
    const silent = Date.now() - this.last;
    if (silent < this.afterMs) return this.arm(this.afterMs - silent);
    this.stalled = true;
    this.on.stalled(silent);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
