import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { cpus } from 'node:os';
import { PipeError } from '../../shared/errors.js';
import { CircuitBreaker } from '../engine/circuit-breaker.js';
import { acquireLock } from './daemon-lock.js';
import { type DaemonPaths, daemonPaths } from '../../workspace/layout.js';
import { DEFAULT_GRACE_MS } from '../engine/executor.js';
import { FeedServer } from './feed-server.js';
import { History } from '../engine/history-writer.js';
import { warnOnce } from './logind-check.js';
import { recoverRuns } from './recovery.js';
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

const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);

// The daemon process: lock, recovery, the run manager, and the feed on the Unix socket (and TCP if asked).
// Started detached, in its own session, so the SIGHUP of a dying SSH session never reaches it.
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const paths = daemonPaths(options.workspace);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  const release = acquireLock(paths.pid);
  warnOnce(paths.logindWarned, (line) => log(line.trimEnd()));
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const circuits = new CircuitBreaker({
    threshold: options.circuitThreshold ?? 5,
    cooldownMs: options.circuitCooldownMs ?? 60_000,
    file: paths.circuits,
  });
  const history = await History.open(options.workspace);
  const manager = new RunManager({ workspace: options.workspace, concurrency: options.concurrency ?? cpus().length, graceMs, circuits, history });
  const report = await recoverRuns(options.workspace, manager, graceMs);
  for (const [what, ids] of Object.entries(report)) if (ids.length) log(`recovery: ${what}: ${ids.join(' ')}`);

  const feed = new FeedServer({ workspace: options.workspace, manager, circuits });
  const servers = [await listenUnix(paths.socket)];
  feed.attach(servers[0] as Server, null);
  if (options.listen) {
    const tcp = await listenTcp(options.listen);
    feed.attach(tcp, readOrCreateToken(paths));
    servers.push(tcp);
  }
  log(`daemon ${process.pid} serving ${options.workspace} on ${paths.socket}${options.listen ? ` and ${options.listen}` : ''}`);

  // A client's mistakes are answered inside the feed; anything that still escapes is logged, not fatal.
  process.on('uncaughtException', (error) => log(`uncaught: ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => log(`unhandled rejection: ${String(error)}`));
  process.on('SIGHUP', () => log('SIGHUP ignored'));
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    feed.close();
    for (const server of servers) server.close();
    // Its stages are stopped even when their folders are gone (a deleted workspace); the daemon exits either way.
    await manager.shutdown(`the daemon was stopped (${signal}); resume the run to go on`).catch((error) => log(`shutdown: ${String(error)}`));
    try {
      unlinkSync(paths.socket);
    } catch {
      // Already gone.
    }
    release();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A workspace deleted (rm -rf) takes .pipe-tui with it: nothing can reach this daemon any more, and its runs'
  // folders are gone. Rather than run on unseen, it stops.
  setInterval(() => {
    if (!existsSync(paths.dir)) void stop('workspace deleted');
  }, WORKSPACE_CHECK_MS).unref();
}

const WORKSPACE_CHECK_MS = 5000;

async function listenUnix(socket: string): Promise<Server> {
  if (socket.length > 100) throw new PipeError('ERR_IO', `socket path too long for a Unix socket (${socket.length} bytes): use a shorter workspace path`);
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

async function listenTcp(address: string): Promise<Server> {
  const match = /^([\d.]+|localhost|\[[\da-f:]+\]):(\d+)$/i.exec(address);
  if (!match) throw new PipeError('ERR_USAGE', `--listen takes HOST:PORT, got ${JSON.stringify(address)}`);
  const server = createServer((_req, res) => res.writeHead(426).end('pipe-tui daemon: WebSocket only\n'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(match[2]), (match[1] ?? '').replace(/^\[|\]$/g, ''), () => resolve());
  });
  return server;
}

function readOrCreateToken(paths: DaemonPaths): string {
  if (!existsSync(paths.token)) writeFileSync(paths.token, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  chmodSync(paths.token, 0o600);
  return readFileSync(paths.token, 'utf8').trim();
}
