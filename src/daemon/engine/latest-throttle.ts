/** Gap between two deliveries: about 25 a second, faster than a person reads and a screen redraws. */
export const THROTTLE_MS = 40;

// Delivers the newest value at most once per window: the first at once (so a slow stage's progress shows
// without delay), the last of a burst when the window closes, and nothing in between.
export class LatestThrottle<T> {
  private last = 0;
  private pending: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Called with each value that gets through. */
    private readonly deliver: (value: T) => void,
    private readonly windowMs = THROTTLE_MS,
  ) {}

  push(value: T): void {
    const wait = this.last + this.windowMs - Date.now();
    if (wait <= 0 && !this.timer) {
      this.last = Date.now();
      this.deliver(value);
      return;
    }
    this.pending = { value };
    this.timer ??= setTimeout(() => this.flush(), Math.max(wait, 0));
  }

  /** Delivers what is waiting now; called before any later event so order is kept. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      this.last = Date.now();
      this.deliver(pending.value);
    }
  }
}
