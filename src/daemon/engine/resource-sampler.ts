import { GpuWatch } from './gpu-usage.js';
import { CLK_TCK, PAGE_BYTES, type ProcEntry, type ProcSource, procSource } from './proc-table.js';

// What each running stage uses: the CPU and resident memory of its whole process group (the stage, its children,
// a grandchild that allocates), about once a second for all stages at once. Most passes read only the groups'
// known members and their children, so a host with thousands of processes costs what its stages' own do; every
// FULL_EVERY-th pass reads all of /proc, and finds the members no parent lists (a double fork, a thread's child).

/** One pass in this many reads all of /proc. */
const FULL_EVERY = 10;

export interface GroupUsage {
  /** Percent of one core over the last interval (200 = two cores busy). */
  cpu_pct: number;
  rss_bytes: number;
  /** CPU time the group used over the interval, in seconds. */
  cpu_s: number;
  /** GPU memory its members hold, by nvidia-smi's last answer; null where nvidia-smi does not answer. */
  gpu_bytes: number | null;
}

type Watcher = (usage: GroupUsage) => void;
interface Group {
  watchers: Set<Watcher>;
  /** Each member's CPU ticks at the last pass, and when that was; null before the first pass. */
  last: { ticks: Map<number, number>; at: number } | null;
}

export class ResourceSampler {
  private readonly groups = new Map<number, Group>();
  private timer: NodeJS.Timeout | null = null;
  private passes = 0;

  constructor(
    private readonly everyMs = 1000,
    private readonly source: ProcSource = procSource,
    private readonly now: () => number = () => performance.now(),
    private readonly gpu: Pick<GpuWatch, 'poll'> | null = new GpuWatch(),
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

  /**
   * One pass over /proc; the first of a group only notes its CPU time (a rate needs two). CPU is counted member by
   * member: a process new since the last pass counts all it used (it began within the interval, or was not seen),
   * one seen before counts what it used since. So `make -j8`'s short-lived compilers are counted, though a process
   * that ended between two passes takes its last interval with it.
   */
  sample(): void {
    if (this.groups.size === 0) return;
    const table = this.passes++ % FULL_EVERY === 0 ? this.source.all() : this.walk();
    if (!table) return;
    const members = new Map<number, ProcEntry[]>();
    for (const p of table) {
      if (!this.groups.has(p.pgrp) || p.state === 'Z') continue;
      const list = members.get(p.pgrp);
      if (list) list.push(p);
      else members.set(p.pgrp, [p]);
    }
    const at = this.now();
    const gpu = this.gpu?.poll() ?? null;
    for (const [pgid, group] of this.groups) {
      const now = members.get(pgid) ?? [];
      const ticks = new Map(now.map((p) => [p.pid, p.ticks]));
      const last = group.last;
      group.last = { ticks, at };
      if (!last || at <= last.at) continue;
      let used = 0;
      for (const p of now) used += Math.max(0, p.ticks - (last.ticks.get(p.pid) ?? 0));
      const seconds = used / CLK_TCK;
      const pages = now.reduce((sum, p) => sum + p.rssPages, 0);
      const gpuBytes = gpu === null ? null : now.reduce((sum, p) => sum + (gpu.get(p.pid) ?? 0), 0);
      const usage = { cpu_pct: Math.round((seconds / ((at - last.at) / 1000)) * 100), rss_bytes: pages * PAGE_BYTES, cpu_s: seconds, gpu_bytes: gpuBytes };
      for (const fn of group.watchers) fn(usage);
    }
  }

  /**
   * The groups' members as far as their parents tell: each group's leader and the members of the last pass, and
   * their children, and theirs. All of /proc where the kernel lists no children.
   */
  private walk(): ProcEntry[] | null {
    const found = new Map<number, ProcEntry>();
    const queue: number[] = [];
    for (const [pgid, group] of this.groups) queue.push(pgid, ...(group.last?.ticks.keys() ?? []));
    for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
      if (found.has(pid)) continue;
      const p = this.source.one(pid);
      // Gone, or left the group (setsid): not one of ours, nor are its children.
      if (!p || !this.groups.has(p.pgrp)) continue;
      found.set(pid, p);
      const children = this.source.children(pid);
      if (children === null) return this.source.all();
      queue.push(...children);
    }
    return [...found.values()];
  }
}

/** The daemon's (or a foreground run's) one sampler. */
export const resourceSampler = new ResourceSampler();
