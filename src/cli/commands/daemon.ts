import { existsSync } from 'node:fs';
import { runDaemon } from '../../daemon/server/daemon-main.js';
import { lockHolder } from '../../workspace/daemon-pid.js';
import { readOpenCircuits } from '../../workspace/circuits-file.js';
import { daemonPaths } from '../../workspace/layout.js';
import { PipeError } from '../../shared/errors.js';
import { parseDuration } from '../../shared/duration.js';
import { ensureDaemon } from '../../client/daemon-launcher.js';
import { printJson } from '../cli-output.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

export interface DaemonCommandOptions extends CommonOptions {
  listen?: string;
  concurrency?: string;
  circuitThreshold?: string;
  circuitCooldown?: string;
}

// The flags `daemon start` hands on to the detached `daemon run`.
function daemonFlags(options: DaemonCommandOptions): string[] {
  const flags: [string, string | undefined][] = [
    ['--listen', options.listen],
    ['--concurrency', options.concurrency],
    ['--circuit-threshold', options.circuitThreshold],
    ['--circuit-cooldown', options.circuitCooldown],
  ];
  return flags.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value]));
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new PipeError('ERR_USAGE', `${flag} takes a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return n;
}

// `daemon start|stop|status`, and `daemon run`: the daemon itself, in the foreground (what `start` detaches).
export async function daemonCommand(action: string, options: DaemonCommandOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const paths = daemonPaths(workspace);
  switch (action) {
    case 'run':
      await runDaemon({
        workspace,
        listen: options.listen,
        concurrency: positiveInt(options.concurrency, '--concurrency'),
        circuitThreshold: positiveInt(options.circuitThreshold, '--circuit-threshold'),
        circuitCooldownMs: options.circuitCooldown === undefined ? undefined : durationFlag(options.circuitCooldown),
      });
      return new Promise<number>(() => undefined); // serves until a signal ends the process
    case 'start': {
      const connection = await ensureDaemon(workspace, { args: daemonFlags(options) });
      connection.close();
      return status(workspace, options);
    }
    case 'stop': {
      const pid = lockHolder(paths.pid);
      if (pid === null) {
        if (options.json) printJson({ running: false, stopped: false });
        else process.stdout.write('no daemon is running\n');
        return 0;
      }
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 15_000;
      while (lockHolder(paths.pid) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (lockHolder(paths.pid) !== null) throw new PipeError('ERR_DAEMON_UNREACHABLE', `daemon ${pid} did not stop within 15 s`);
      if (options.json) printJson({ running: false, stopped: true, pid });
      else process.stdout.write(`daemon ${pid} stopped\n`);
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

function durationFlag(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new PipeError('ERR_USAGE', `not a duration: ${JSON.stringify(value)} (write 250ms, 2s, 10m or 1h)`);
  return ms;
}
