import { existsSync, readFileSync, readdirSync } from 'node:fs';

// The processes of this machine as /proc tells them: which process group each is in, its state, the CPU time it
// has used and its resident memory; all of them (one pass serves every stage at once), or one and its children.

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  /** 'R', 'S', 'D', 'Z' (a zombie nobody reaped yet), … */
  state: string;
  /** User and system time used, in clock ticks (CLK_TCK a second). */
  ticks: number;
  /** Resident set, in pages. */
  rssPages: number;
}

/** Clock ticks a second and bytes a page: Linux's values on every architecture Node runs on (x86-64, arm64). */
export const CLK_TCK = 100;
export const PAGE_BYTES = 4096;

/** Every process /proc lists (those gone meanwhile left out); null where there is no /proc. */
export function readProcTable(): ProcEntry[] | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const table: ProcEntry[] = [];
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const parsed = readStat(entry);
    if (parsed) table.push(parsed);
  }
  return table;
}

/** One process's /proc/PID/stat, or null when it is gone. */
export function readStat(pid: string | number): ProcEntry | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name is in parentheses and may hold spaces or parentheses itself: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid: Number(pid),
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    state: fields[0] ?? '?',
    ticks: Number(fields[11]) + Number(fields[12]),
    rssPages: Number(fields[21]),
  };
}

/**
 * The children of a process, from each of its threads' /proc/PID/task/TID/children (a Go program or a Python
 * thread pool forks from threads other than the main one); [] when it is gone, null where the kernel does not list
 * children (CONFIG_PROC_CHILDREN off).
 */
export function readChildren(pid: number): number[] | null {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of threads) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(`/proc/${pid}/task/${tid}`)) return null;
      continue;
    }
    for (const child of text.split(' ')) if (child) children.push(Number(child));
  }
  return children;
}

/** Where the sampler reads processes from: all of them, one, or one's children. */
export interface ProcSource {
  all(): ProcEntry[] | null;
  one(pid: number): ProcEntry | null;
  children(pid: number): number[] | null;
}

export const procSource: ProcSource = { all: readProcTable, one: readStat, children: readChildren };
