import { existsSync } from 'node:fs';
import { runDaemon } from '../../daemon/server/daemon-main.js';
import { lockHolder } from '../../workspace/daemon-pid.js';
import { readOpenCircuits } from '../../workspace/circuits-file.js';
import type { HeldRun } from '../../workspace/daemon-runs.js';
import { stoppedMark } from '../../workspace/daemon-stopped.js';
import { daemonPaths } from '../../workspace/layout.js';
import { PipeError } from '../../shared/errors.js';
import { printJson } from '../cli-output.js';
import { type DaemonFlags, daemonSettings, startDaemonCommand } from '../daemon-start.js';
import { stopDaemonCommand } from '../daemon-stop.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

export interface DaemonCommandOptions extends CommonOptions, DaemonFlags {
  force?: boolean;
  wait?: boolean;
}

/** `daemon status` when no daemon runs: 3, as `systemctl is-active` (and LSB's "not running"), so scripts can test it. */
export const NOT_RUNNING_EXIT = 3;

// Which options each action takes: one given to another action is refused, never silently ignored.
const ACTION_OPTIONS: Record<string, (keyof DaemonCommandOptions)[]> = {
  run: ['listen', 'concurrency', 'circuitThreshold', 'circuitCooldown'],
  start: ['listen', 'concurrency', 'circuitThreshold', 'circuitCooldown'],
  stop: ['force', 'wait'],
  status: [],
};
const FLAG: Record<string, string> = { listen: '--listen', concurrency: '--concurrency', circuitThreshold: '--circuit-threshold', circuitCooldown: '--circuit-cooldown', force: '--force', wait: '--wait' };

// `daemon start|stop|status`, and `daemon run`: the daemon itself, in the foreground (what `start` detaches).
export async function daemonCommand(action: string, options: DaemonCommandOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const allowed = ACTION_OPTIONS[action];
  if (!allowed) throw new PipeError('ERR_USAGE', `daemon takes start, stop or status, not ${JSON.stringify(action)}`);
  const stray = Object.keys(FLAG).filter((key) => options[key as keyof DaemonCommandOptions] !== undefined && !allowed.includes(key as keyof DaemonCommandOptions));
  if (stray.length) throw new PipeError('ERR_USAGE', `daemon ${action} takes no ${stray.map((k) => FLAG[k]).join(', ')}`);
  switch (action) {
    case 'run':
      await runDaemon({ workspace, ...daemonSettings(options) });
      return new Promise<number>(() => undefined); // serves until a signal ends the process
    case 'start':
      await startDaemonCommand(workspace, options);
      return status(workspace, options);
    case 'stop':
      return stop(workspace, options);
    default:
      return status(workspace, options);
  }
}

async function stop(workspace: string, options: DaemonCommandOptions): Promise<number> {
  const onWaiting = (runs: HeldRun[]): void => {
    process.stderr.write(`pipe-tui: waiting for ${runs.length === 1 ? 'a run' : `${runs.length} runs`} to end before stopping the daemon: ${runs.map((r) => `${r.run_id} (${r.status.replace('_', ' ')})`).join(', ')}\n`);
  };
  const result = await stopDaemonCommand(workspace, { force: options.force, wait: options.wait, onWaiting });
  if (!result.stopped) {
    if (options.json) printJson({ running: false, stopped: false });
    else process.stdout.write('no daemon is running\n');
    return 0;
  }
  if (result.warning) process.stderr.write(`pipe-tui: warning: ${result.warning}\n`);
  const ids = (onStop: HeldRun['onStop']): string[] => result.runs.filter((r) => r.onStop === onStop).map((r) => r.run_id);
  if (options.json) {
    printJson({ running: false, stopped: true, pid: result.pid, interrupted: ids('interrupted'), left_running: ids('left'), queued: ids('requeued') });
    return 0;
  }
  const lines = [`daemon ${result.pid} stopped`];
  for (const id of ids('interrupted')) lines.push(`  interrupted ${id}: pipe-tui resume ${id} goes on`);
  for (const id of ids('left')) lines.push(`  left running ${id}: its Slurm job goes on; the next daemon takes it up`);
  for (const id of ids('requeued')) lines.push(`  queued ${id}: starts when a daemon starts (pipe-tui daemon start)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function status(workspace: string, options: CommonOptions): Promise<number> {
  const paths = daemonPaths(workspace);
  const pid = lockHolder(paths.pid);
  const circuits = readOpenCircuits(paths.circuits);
  const mark = pid === null ? stoppedMark(workspace) : null;
  const info = {
    running: pid !== null,
    pid,
    socket: paths.socket,
    workspace,
    log: paths.log,
    tcp_token_file: existsSync(paths.token) ? paths.token : null,
    open_circuits: circuits,
    // Stopped by `daemon stop`, so the TUI does not start it again by itself.
    stopped_on_purpose: mark !== null,
  };
  if (options.json) printJson(info);
  else {
    const why = mark ? ` (stopped on purpose${mark.at ? ` at ${mark.at}` : ''}; pipe-tui daemon start starts it)` : '';
    process.stdout.write(pid === null ? `no daemon is running for ${workspace}${why}\n` : `daemon ${pid} running for ${workspace}\n  socket ${paths.socket}\n  log    ${paths.log}\n`);
    for (const c of circuits) process.stdout.write(`  circuit ${c.key} open until ${c.open_until} after ${c.failures} failures\n`);
  }
  return pid === null ? NOT_RUNNING_EXIT : 0;
}
