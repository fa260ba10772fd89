import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { cpus } from 'node:os';
import { PipeError } from '../../shared/errors.js';
import { CircuitBreaker } from '../engine/circuit-breaker.js';
import { acquireLock } from './daemon-lock.js';
import { keepLogLines, stamped } from './daemon-log.js';
import { describeShutdownWait, heldRuns, killLeftovers } from './shutdown-wait.js';
import { type DaemonPaths, daemonPaths } from '../../workspace/layout.js';
import { DEFAULT_GRACE_MS } from '../engine/executor.js';
import { FeedServer } from './feed-server.js';
import { listenTcp } from './listen-tcp.js';
import { History } from '../engine/history-writer.js';
import { warnOnce } from './logind-check.js';
import { recoverRuns } from './recovery.js';
import { recoveryScope } from './recovery-scope.js';
import { IndexUpkeep } from './index-upkeep.js';
import { startRetention } from './retention.js';
import { indexRemovals } from '../../workspace/run-index-append.js';
import { RunManager } from './run-manager.js';

export interface DaemonOptions {
  workspace: string;
  /** `127.0.0.1:PORT`: also listen on TCP, where clients must present the token. */
  listen?: string;
  concurrency?: number;
  graceMs?: number;
  circuitThreshold?: number;
  circuitCooldownMs?: number;
}

const log = (text: string): void => void process.stderr.write(stamped(text));

/** How long stopping may take before the daemon gives up on what it waits for and exits anyway. */
export const SHUTDOWN_MS = Number(process.env.PIPE_TUI_SHUTDOWN_MS) || 15_000;

// The daemon process: lock, recovery, the run manager, and the feed on the Unix socket (and TCP if asked).
// Started detached, in its own session, so the SIGHUP of a dying SSH session never reaches it.
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const paths = daemonPaths(options.workspace);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  keepLogLines(paths.log);
  const lock = await acquireLock(paths);
  warnOnce(paths.logindWarned, log);
  // What can refuse to start is tried before anything starts (recovery takes runs up again): a daemon that failed
  // after that would live on half started, its runs going, on a socket and not the TCP address it was asked for.
  checkSocketPath(paths.socket);
  const tcp = options.listen === undefined ? null : await listenTcp(options.listen);
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const circuits = new CircuitBreaker({
    threshold: options.circuitThreshold ?? 5,
    cooldownMs: options.circuitCooldownMs ?? 60_000,
    file: paths.circuits,
  });
  const history = await History.open(options.workspace, { background: true, log });
  const manager = new RunManager({ workspace: options.workspace, concurrency: options.concurrency ?? cpus().length, graceMs, circuits, history });
  // Only the runs the index does not call finished are opened: ready as fast with 100 000 runs as with none.
  const scope = await recoveryScope(options.workspace);
  if (scope.runIds.length) log(`starting: recovering ${scope.runIds.length} run${scope.runIds.length === 1 ? '' : 's'} not finished`);
  const report = await recoverRuns(options.workspace, manager, graceMs, scope.runIds);
  for (const [what, ids] of Object.entries(report)) if (ids.length) log(`recovery: ${what}: ${ids.join(' ')}`);
  if (scope.removed.length) indexRemovals(options.workspace, scope.removed);

  const feed = new FeedServer({ workspace: options.workspace, manager, circuits });
  // The token exists before the socket answers: whoever saw `daemon start --listen` return can read it.
  const token = tcp ? readOrCreateToken(paths) : null;
  const servers = [await listenUnix(paths.socket)];
  feed.attach(servers[0] as Server, null);
  if (tcp && token) {
    feed.attach(tcp, token);
    servers.push(tcp);
  }
  const upkeep = new IndexUpkeep(options.workspace, manager, graceMs, scope, log);
  const stopRetention = startRetention(options.workspace, log);
  log(`daemon ${process.pid} serving ${options.workspace} on ${paths.socket}${options.listen ? ` and ${options.listen}` : ''}`);

  // A client's mistakes are answered inside the feed; anything that still escapes is logged, not fatal.
  process.on('uncaughtException', (error) => log(`uncaught: ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => log(`unhandled rejection: ${String(error)}`));
  process.on('SIGHUP', () => log('SIGHUP ignored'));
  let stopping = false;
  // The end: the socket file and daemon.pid go while the lock is still ours; then the process dies of the signal
  // that stopped it (as Unix programs that clean up on a signal do), or of SIGKILL when it gave up. Not through
  // process.exit: that waits for libuv's worker threads, and one blocked in the kernel (a hung disk, a FIFO) would
  // hold the exit for ever.
  const exit = (signal: NodeJS.Signals): void => {
    try {
      // Not when the lock was replaced: the socket file then is the new daemon's.
      if (lock.stillHeld()) unlinkSync(paths.socket);
    } catch {
      // Already gone.
    }
    lock.release();
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  };
  const stop = async (why: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping`);
    // Stopping waits on stages and on the disk; a hung NFS write or an unkillable process would hold it forever,
    // and `daemon stop` with it. Past the bound it says what it still waits on and exits: the runs it could not
    // record are found interrupted by the next daemon's recovery.
    const held = heldRuns(manager);
    setTimeout(() => {
      log(`stopping did not finish within ${SHUTDOWN_MS / 1000} s; still waiting on ${describeShutdownWait(held)}; exiting anyway`);
      void killLeftovers(held).finally(() => exit('SIGKILL'));
    }, SHUTDOWN_MS);
    feed.close();
    upkeep.close();
    stopRetention();
    for (const server of servers) server.close();
    // Its stages are stopped even when their folders are gone (a deleted workspace); the daemon exits either way.
    await manager.shutdown(`the daemon was stopped (${why}); resume the run to go on`).catch((error) => log(`shutdown: ${String(error)}`));
    log('stopped');
    exit(signal);
  };
  process.on('SIGTERM', () => void stop('SIGTERM', 'SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT', 'SIGINT'));
  // A workspace deleted (rm -rf) takes .pipe-tui with it: nothing can reach this daemon any more, and its runs'
  // folders are gone. Rather than run on unseen, it stops. So it does when the lock no longer leads to it (its
  // lock secret replaced): a second daemon could start beside it.
  // Moved (renamed) rather than deleted: its runs' folders are still there, and the stop records them there.
  const where = followPath(options.workspace);
  // Held on .pipe-tui itself: deleted and made again (a workspace removed while this daemon started, then written
  // to by a late write), it is no longer this daemon's, however it looks by name.
  const own = followPath(paths.dir);
  setInterval(() => {
    if (!existsSync(paths.dir) || own() === null) void stop(where() === null ? 'workspace deleted' : `workspace moved to ${where()}`);
    else if (!lock.stillHeld()) void stop('the workspace lock was replaced');
  }, WORKSPACE_CHECK_MS).unref();
}

const WORKSPACE_CHECK_MS = 5000;

function checkSocketPath(socket: string): void {
  if (socket.length > 100) throw new PipeError('ERR_IO', `socket path too long for a Unix socket (${socket.length} bytes): use a shorter workspace path`);
}

async function listenUnix(socket: string): Promise<Server> {
  // The lock is ours, so a socket file left here belongs to a dead daemon.
  if (existsSync(socket)) unlinkSync(socket);
  const server = createServer((_req, res) => res.writeHead(426).end('pipe-tui daemon: WebSocket only\n'));
  const mask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => resolve());
    });
  } finally {
    process.umask(mask);
  }
  chmodSync(socket, 0o600);
  return server;
}

function readOrCreateToken(paths: DaemonPaths): string {
  if (!existsSync(paths.token)) writeFileSync(paths.token, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  chmodSync(paths.token, 0o600);
  return readFileSync(paths.token, 'utf8').trim();
}

// Where a folder is now, through a descriptor held on it (Linux's /proc/self/fd): null once it is deleted, or where
// that cannot be known.
function followPath(dir: string): () => string | null {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return () => null;
  }
  return () => {
    try {
      const now = readlinkSync(`/proc/self/fd/${fd}`);
      return now.endsWith(' (deleted)') || !now.startsWith('/') ? null : now;
    } catch {
      return null;
    }
  };
}
