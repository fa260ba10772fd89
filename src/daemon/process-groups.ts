import { readFileSync, readdirSync } from 'node:fs';

// Kills stage process groups a run left behind (a daemon that died, or one shutting down). A pgid recorded
// before a reboot may name someone else's processes now, so a group is signalled only if one of its members
// carries this run's PIPE_RUN_ID in its environment.
export async function killStageGroups(runId: string, pgids: number[], graceMs: number): Promise<number[]> {
  const ours = pgids.filter((pgid) => belongsToRun(pgid, runId));
  for (const pgid of ours) signal(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (ours.some(groupExists) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pgid of ours) if (groupExists(pgid)) signal(pgid, 'SIGKILL');
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
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // Already gone.
  }
}
