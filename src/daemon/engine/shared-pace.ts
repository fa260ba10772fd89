/** A member counts against the shared rate for this long after it last said it was busy. */
export const ACTIVE_MS = 1000;
/** How often, at most, the busy members are counted: a flood says it is busy thousands of times a second. */
const RECOUNT_MS = 100;

// A rate shared by the busy members of one process (the stages flooding progress, the runs with coalesced
// metadata.json writes): each keeps at least `minGapMs` between two of its deliveries, and more when so many are busy
// that together they would pass `perSecond`. One busy member, or a few, are never slowed; fifty share the rate.
// Deliveries fall on a common beat, the multiples of the gap on the clock, so the busy members go out together, one
// burst a beat, and whoever follows them (the feed's clients, the watchers of the run folders) has the time in
// between to itself: to show at once what a quiet stage says.
export class SharedPace {
  private readonly busy = new Map<object, number>();
  private counted = 0;
  private countedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly perSecond: number,
    private readonly minGapMs: number,
  ) {}

  /** Notes that `member` is busy at `now`. */
  touch(member: object, now: number): void {
    this.busy.set(member, now);
  }

  /** Forgets `member` (its stage or run is over). */
  forget(member: object): void {
    this.busy.delete(member);
  }

  /** The first beat after `after`: when a busy member that last delivered then delivers next. */
  next(after: number, now: number): number {
    const gap = this.gap(now);
    return (Math.floor(after / gap) + 1) * gap;
  }

  /** The gap each busy member keeps between two deliveries at `now`. */
  gap(now: number): number {
    if (now - this.countedAt >= RECOUNT_MS || now < this.countedAt) {
      for (const [member, at] of this.busy) if (now - at > ACTIVE_MS) this.busy.delete(member);
      this.counted = this.busy.size;
      this.countedAt = now;
    }
    return Math.max(this.minGapMs, (this.counted * 1000) / this.perSecond);
  }
}
