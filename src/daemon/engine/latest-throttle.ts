import type { SharedPace } from './shared-pace.js';

/** Gap between two deliveries: about 25 a second, faster than a person reads and a screen redraws. */
export const THROTTLE_MS = 40;

// Delivers the newest value at most once per window: the first at once (so a slow stage's progress shows
// without delay), the last of a burst when the window closes, and nothing in between.
//
// With a shared pace (whose gap is never below the window), a flood — values that come, on average, closer together
// than the window — is delivered on the pace's beat instead, which slows while many flood at once. All flooding
// throttles of the process so deliver together, one burst a beat, and whoever follows them (the feed, a TUI) has quiet
// spells in between. Values that come a window apart or more, on average, are no flood: they go out at once, or when
// the plain window is over, as without a pace. The average forgets slowly, so two lines that once came close
// together do not make a flood, nor one pause of a flood (its process waiting for a CPU) a quiet stage.
export class LatestThrottle<T> {
  private last = 0;
  private lastPush = Number.NEGATIVE_INFINITY;
  /** The time between two values, averaged (each new one weighs SPACING_WEIGHT). */
  private spacing: number;
  private pending: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Delivered on the pace's beat: the spacing is below the window. */
  private flooding = false;

  constructor(
    /** Called with each value that gets through. */
    private readonly deliver: (value: T) => void,
    private readonly windowMs = THROTTLE_MS,
    /** The beat flooding throttles of the process share; none keeps the plain window. */
    private readonly pace: SharedPace | null = null,
  ) {
    this.spacing = 2 * windowMs;
  }

  push(value: T): void {
    const now = Date.now();
    if (this.pace) this.measure(now);
    this.pending = { value };
    if (this.timer) return;
    const due = this.flooding && this.pace ? this.pace.next(now, now) : this.last + this.windowMs;
    if (due <= now) return this.flush();
    this.timer = setTimeout(() => this.flush(), due - now);
  }

  /** Delivers what is waiting now; called before any later event so order is kept. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    this.last = Date.now();
    this.deliver(pending.value);
  }

  /** Delivers what is waiting and leaves the shared pace (the stage is over). */
  close(): void {
    this.flush();
    this.leave();
  }

  // Folds the time since the last value into the spacing, and joins or leaves the flooding throttles.
  private measure(now: number): void {
    const since = Math.min(now - this.lastPush, MAX_SPACING * this.windowMs);
    this.lastPush = now;
    this.spacing += SPACING_WEIGHT * (since - this.spacing);
    if (this.spacing < this.windowMs) {
      this.flooding = true;
      this.pace?.touch(this, now);
    } else if (this.flooding) {
      // No flood any more: not held for the beat, only for what is left of the plain window.
      this.leave();
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private leave(): void {
    if (!this.flooding) return;
    this.flooding = false;
    this.pace?.forget(this);
  }
}

/** How much a new gap between two values weighs in the average spacing. */
const SPACING_WEIGHT = 0.2;
/** A pause counts as this many windows at most: a flood that resumes after one is a flood again within a few values. */
const MAX_SPACING = 10;
