import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PipeError } from '../shared/errors.js';
import { daemonPaths } from '../workspace/layout.js';
import { DaemonConnection } from './daemon-connection.js';

// The daemon is this same program: the script node was started with (bin/pipe-tui.js), or what a test names.
const entry = (): string => process.env.PIPE_TUI_ENTRY ?? process.argv[1] ?? fileURLToPath(import.meta.url);

/** Connects to the workspace's daemon, starting it (detached) when none answers. */
export async function ensureDaemon(workspace: string, options: { start?: boolean; timeoutMs?: number } = {}): Promise<DaemonConnection> {
  const { socket } = daemonPaths(workspace);
  try {
    return await DaemonConnection.connect({ socket });
  } catch (error) {
    if (options.start === false) throw error;
  }
  startDaemon(workspace);
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let last: unknown;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      return await DaemonConnection.connect({ socket });
    } catch (error) {
      last = error;
    }
  }
  throw new PipeError('ERR_DAEMON_UNREACHABLE', `started a daemon but it did not answer on ${socket}; see ${daemonPaths(workspace).log} (${String(last)})`);
}

// Its own session and process group, stdin closed, output to .pipe-tui/daemon.log: the SIGHUP of a closing
// terminal or SSH session never reaches it, and nothing it prints can block on a dead terminal.
export function startDaemon(workspace: string, extraArgs: string[] = []): number | undefined {
  const paths = daemonPaths(workspace);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  const log = openSync(paths.log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [entry(), 'daemon', 'run', '--workspace', workspace, ...extraArgs], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: workspace,
    });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}
