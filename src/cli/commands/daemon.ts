import { existsSync } from 'node:fs';
import { runDaemon } from '../../daemon/server/daemon-main.js';
import { lockHolder } from '../../workspace/daemon-pid.js';
import { readOpenCircuits } from '../../workspace/circuits-file.js';
import { daemonPaths } from '../../workspace/layout.js';
import { PipeError } from '../../shared/errors.js';
import { printJson } from '../cli-output.js';
import { type DaemonFlags, daemonSettings, startDaemonCommand } from '../daemon-start.js';
import { stopDaemonCommand } from '../daemon-stop.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

export interface DaemonCommandOptions extends CommonOptions, DaemonFlags {}

// `daemon start|stop|status`, and `daemon run`: the daemon itself, in the foreground (what `start` detaches).
export async function daemonCommand(action: string, options: DaemonCommandOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  switch (action) {
    case 'run':
      await runDaemon({ workspace, ...daemonSettings(options) });
      return new Promise<number>(() => undefined); // serves until a signal ends the process
    case 'start':
      await startDaemonCommand(workspace, options);
      return status(workspace, options);
    case 'stop': {
      const result = await stopDaemonCommand(workspace);
      if (result.stopped && result.warning) process.stderr.write(`pipe-tui: warning: ${result.warning}\n`);
      if (options.json) printJson(result.stopped ? { running: false, stopped: true, pid: result.pid } : { running: false, stopped: false });
      else process.stdout.write(result.stopped ? `daemon ${result.pid} stopped\n` : 'no daemon is running\n');
      return 0;
    }
    case 'status':
      return status(workspace, options);
    default:
      throw new PipeError('ERR_USAGE', `daemon takes start, stop or status, not ${JSON.stringify(action)}`);
  }
}

async function status(workspace: string, options: CommonOptions): Promise<number> {
  const paths = daemonPaths(workspace);
  const pid = lockHolder(paths.pid);
  const circuits = readOpenCircuits(paths.circuits);
  const info = { running: pid !== null, pid, socket: paths.socket, workspace, log: paths.log, tcp_token_file: existsSync(paths.token) ? paths.token : null, open_circuits: circuits };
  if (options.json) printJson(info);
  else {
    process.stdout.write(pid === null ? `no daemon is running for ${workspace}\n` : `daemon ${pid} running for ${workspace}\n  socket ${paths.socket}\n  log    ${paths.log}\n`);
    for (const c of circuits) process.stdout.write(`  circuit ${c.key} open until ${c.open_until} after ${c.failures} failures\n`);
  }
  return 0;
}
