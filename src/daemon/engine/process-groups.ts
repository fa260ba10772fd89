import { readFileSync, readdirSync } from 'node:fs';
import { readProcTable } from './proc-table.js';

// Kills stage process groups a run left behind (a daemon that died, or one shutting down). A pgid recorded
// before a reboot may name someone else's processes now, so a group is signalled only if one of its members
// carries this run's PIPE_RUN_ID in its environment.
export async function killStageGroups(runId: string, pgids: number[], graceMs: number): Promise<number[]> {
  const ours = pgids.filter((pgid) => belongsToRun(pgid, runId));
  await Promise.all(ours.map((pgid) => stopGroup(pgid, graceMs)));
  return ours;
}

function belongsToRun(pgid: number, runId: string): boolean {
  const members = groupMembers(pgid);
  if (members === null) return groupExists(pgid); // no /proc: trust the record
  const marker = `PIPE_RUN_ID=${runId}\0`;
  return members.some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker);
    } catch {
      return false;
    }
  });
}

// Pids whose process group is `pgid`, from /proc; null where there is no /proc.
function groupMembers(pgid: number): number[] | null {
  const table = readProcTable();
  return table && table.filter((p) => p.pgrp === pgid).map((p) => p.pid);
}

/** True while some process of the group is alive; zombies nobody reaped yet do not count. */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  const table = readProcTable();
  if (table === null) return true;
  return table.some((p) => p.pgrp === pgid && p.state !== 'Z');
}

/** SIGTERM to the group, then SIGKILL to whatever is left after `graceMs`. Resolves when that is done. */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  signal(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupExists(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (groupExists(pgid)) signal(pgid, 'SIGKILL');
}

function signal(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // Already gone.
  }
}

// Process groups of every process that carries this run's PIPE_RUN_ID: finds a stage started an instant before
// its daemon died, before its pgid could be recorded.
export function runProcessGroups(runId: string): number[] {
  return [...new Set(markedProcesses([`PIPE_RUN_ID=${runId}`]).map((p) => p.pgrp))];
}

export interface MarkedProcess {
  pid: number;
  pgrp: number;
  /** The program's name, for saying what was stopped. */
  name: string;
}

// Every process (but this one) whose environment holds all of `markers` (`NAME=value`): what a stage started
// carries its attempt's variables wherever it went, a new session (setsid) included.
export function markedProcesses(markers: string[], bornSince?: number): MarkedProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const wanted = markers.map((m) => `\0${m}\0`);
  const found: MarkedProcess[] = [];
  const from = bornSince === undefined ? 0 : lowestPidSince(bornSince);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid || Number(entry) < from) continue;
    try {
      const environ = `\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}`;
      if (!wanted.every((m) => environ.includes(m))) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] === 'Z') continue; // dead already, waiting to be reaped
      const pgrp = Number(fields[2]);
      if (pgrp > 1) found.push({ pid: Number(entry), pgrp, name: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

// At the end of an attempt, whatever it started that escaped its process group (`setsid cmd &`, a daemonizing
// tool) is stopped too, found by the attempt's variables. Returns what was stopped, to be said in the log.
export async function stopLeftovers(env: Record<string, string | undefined>, graceMs: number, leader?: number): Promise<MarkedProcess[]> {
  const { PIPE_RUN_ID, PIPE_STAGE_INDEX, PIPE_ATTEMPT } = env;
  if (!PIPE_RUN_ID || PIPE_STAGE_INDEX === undefined || PIPE_ATTEMPT === undefined) return [];
  // An item of a fan-out is told from its siblings, which run on, by its index.
  const item = env.PIPE_ITEM_INDEX === undefined ? [] : [`PIPE_ITEM_INDEX=${env.PIPE_ITEM_INDEX}`];
  const left = markedProcesses([`PIPE_RUN_ID=${PIPE_RUN_ID}`, `PIPE_STAGE_INDEX=${PIPE_STAGE_INDEX}`, `PIPE_ATTEMPT=${PIPE_ATTEMPT}`, ...item], leader);
  // Never the daemon's own group: a process that joined it is signalled alone.
  const own = ownGroup();
  await Promise.all([...new Set(left.map((p) => p.pgrp))].map((pgrp) => (pgrp === own ? undefined : stopGroup(pgrp, graceMs))));
  for (const p of left) if (p.pgrp === own) signalPid(p.pid, 'SIGKILL');
  return left;
}

/**
 * The lowest pid a process born since `leader` can have: what the attempt started came after its leader, and pids
 * grow until they wrap at pid_max. So a scan at each of 10 000 items' ends reads the few processes born since,
 * not the whole machine's environments. If the last pid handed out (/proc/loadavg) is below the leader, pids have
 * wrapped meanwhile: every process is read.
 */
function lowestPidSince(leader: number): number {
  try {
    const last = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ').at(-1));
    return Number.isInteger(last) && last >= leader ? leader : 0;
  } catch {
    return 0;
  }
}

// Read once, at the first attempt's end (long after a daemon detached into its own session): it does not change
// after, and 10 000 items' ends should not read it 10 000 times.
let ownGroupId: number | null = null;
function ownGroup(): number {
  if (ownGroupId !== null) return ownGroupId;
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    ownGroupId = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    ownGroupId = process.pid;
  }
  return ownGroupId;
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

// Process groups of the processes of one stage of a run: a fan-out's items, each in a group of its own that the
// run's state does not record.
export function stageProcessGroups(runId: string, index: number): number[] {
  return [...new Set(markedProcesses([`PIPE_RUN_ID=${runId}`, `PIPE_STAGE_INDEX=${index}`]).map((p) => p.pgrp))];
}
