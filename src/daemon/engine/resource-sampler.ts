import { CLK_TCK, PAGE_BYTES, type ProcEntry, readProcTable } from './proc-table.js';

// What each running stage uses: the CPU and resident memory of its whole process group (the stage, its children,
// a grandchild that allocates), from one pass over /proc a second for all stages at once, so fifty stages cost
// about what one does. A process that leaves the group takes its CPU time with it: a group's CPU is measured from
// what its members now have used, and never reads below zero.

export interface GroupUsage {
  /** Percent of one core over the last interval (200 = two cores busy). */
  cpu_pct: number;
  rss_bytes: number;
  /** CPU time the group used over the interval, in seconds. */
  cpu_s: number;
}

type Watcher = (usage: GroupUsage) => void;
interface Group {
  watchers: Set<Watcher>;
  last: { ticks: number; at: number } | null;
}

export class ResourceSampler {
  private readonly groups = new Map<number, Group>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly everyMs = 1000,
    private readonly read: () => ProcEntry[] | null = readProcTable,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Calls `fn` with the group's usage about once every `everyMs` while it is watched. */
  watch(pgid: number, fn: Watcher): () => void {
    let group = this.groups.get(pgid);
    if (!group) {
      group = { watchers: new Set(), last: null };
      this.groups.set(pgid, group);
    }
    group.watchers.add(fn);
    if (!this.timer) {
      this.timer = setInterval(() => this.sample(), this.everyMs);
      this.timer.unref();
    }
    return () => {
      group.watchers.delete(fn);
      if (group.watchers.size === 0) this.groups.delete(pgid);
      if (this.groups.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** One pass over /proc; the first of a group only notes its CPU time (a rate needs two). */
  sample(): void {
    if (this.groups.size === 0) return;
    const table = this.read();
    if (!table) return;
    const totals = new Map<number, { ticks: number; pages: number }>();
    for (const p of table) {
      if (!this.groups.has(p.pgrp) || p.state === 'Z') continue;
      const t = totals.get(p.pgrp) ?? { ticks: 0, pages: 0 };
      t.ticks += p.ticks;
      t.pages += p.rssPages;
      totals.set(p.pgrp, t);
    }
    const at = this.now();
    for (const [pgid, group] of this.groups) {
      const t = totals.get(pgid) ?? { ticks: 0, pages: 0 };
      const last = group.last;
      group.last = { ticks: t.ticks, at };
      if (!last || at <= last.at) continue;
      const used = Math.max(0, t.ticks - last.ticks) / CLK_TCK;
      const usage = { cpu_pct: Math.round((used / ((at - last.at) / 1000)) * 100), rss_bytes: t.pages * PAGE_BYTES, cpu_s: used };
      for (const fn of group.watchers) fn(usage);
    }
  }
}

/** The daemon's (or a foreground run's) one sampler. */
export const resourceSampler = new ResourceSampler();
