import path from 'node:path';

// Everything the daemon keeps for a workspace lives in `.pipe-tui/`, never inside runs/.
export function daemonPaths(workspace: string) {
  const dir = path.join(workspace, '.pipe-tui');
  return {
    dir,
    socket: path.join(dir, 'daemon.sock'),
    pid: path.join(dir, 'daemon.pid'),
    log: path.join(dir, 'daemon.log'),
    token: path.join(dir, 'token'),
    circuits: path.join(dir, 'circuits.json'),
    /** Every finished stage, one line each: ETAs and stats read it (history.ts). */
    history: path.join(dir, 'history.ndjson'),
    logindWarned: path.join(dir, 'logind-warned'),
  };
}
export type DaemonPaths = ReturnType<typeof daemonPaths>;
