import { existsSync } from 'node:fs';
import { type Server, createConnection, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, stopDaemons } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await stopDaemons();
  await removeWorkspaces();
});

// A port of this machine that something listens on (the test's own server), or that nothing does.
async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => resolve(!!socket.destroy()));
    socket.once('error', () => resolve(false));
  });

describe('daemon start and its flags', () => {
  it.each([
    [['--concurrency', '0'], /--concurrency takes a whole number ≥ 1, got "0"/],
    [['--circuit-threshold', 'many'], /--circuit-threshold takes a whole number/],
    [['--circuit-cooldown', 'soon'], /not a duration: "soon"/],
    [['--listen', 'nowhere'], /--listen takes HOST:PORT .*got "nowhere"/],
    [['--listen', '127.0.0.1:99999'], /--listen takes HOST:PORT/],
    [['--listen', '300.0.0.1:7400'], /--listen takes HOST:PORT/],
  ])('refuses a bad flag %j at once, with ERR_USAGE, and starts nothing', async (flags, message) => {
    const ws = await tempWorkspace();
    const result = await cli(['daemon', 'start', '--workspace', ws, ...flags]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^pipe-tui: ERR_USAGE: /);
    expect(result.stderr).toMatch(message);
    expect(existsSync(daemonPaths(ws).log)).toBe(false);
    expect(lockHolder(daemonPaths(ws).pid)).toBeNull();
  });

  it('refuses --listen on a port already in use, at once, with ERR_USAGE', async () => {
    const ws = await tempWorkspace();
    const port = await busyPort();
    const result = await cli(['daemon', 'start', '--workspace', ws, '--listen', `127.0.0.1:${port}`]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^pipe-tui: ERR_USAGE: --listen 127.0.0.1:${port}: cannot listen there: the port is in use`));
    expect(lockHolder(daemonPaths(ws).pid)).toBeNull();
  });

  it('a daemon that cannot listen where asked exits at once, serving nothing (not its socket without the TCP port)', async () => {
    const ws = await tempWorkspace();
    const port = await busyPort();
    const run = cli(['daemon', 'run', '--workspace', ws, '--listen', `127.0.0.1:${port}`]);
    let exited: { exitCode?: number; stderr: unknown } | null = null;
    void run.then((r) => void (exited = r));
    try {
      const result = await waitFor('daemon run to exit', () => exited, 15_000);
      expect(result.exitCode).toBe(2);
      expect(String(result.stderr)).toContain(`ERR_USAGE: --listen 127.0.0.1:${port}: cannot listen there: the port is in use`);
      expect(existsSync(daemonPaths(ws).socket)).toBe(false);
    } finally {
      if (run.pid !== undefined && isAlive(run.pid)) run.kill('SIGKILL');
    }
  });

  it('refuses flags for a daemon that already runs (exit 2, with how to restart), and restarting as told applies them', async () => {
    const ws = await tempWorkspace();
    const pid = await startDaemon(ws);
    const port = await freePort();
    const listen = await cli(['daemon', 'start', '--workspace', ws, '--listen', `127.0.0.1:${port}`]);
    expect(listen.exitCode).toBe(2);
    expect(listen.stderr).toMatch(new RegExp(`^pipe-tui: ERR_USAGE: a daemon \\(pid ${pid}\\) already runs for `));
    const restart = `pipe-tui daemon stop --workspace ${ws} && pipe-tui daemon start --listen 127.0.0.1:${port} --workspace ${ws}`;
    expect(listen.stderr).toContain(restart);
    expect(await answers(port)).toBe(false);
    for (const flags of [['--concurrency', '2'], ['--circuit-threshold', '3'], ['--circuit-cooldown', '5s']]) {
      const result = await cli(['daemon', 'start', '--workspace', ws, ...flags]);
      expect(result.exitCode, `${flags.join(' ')}: ${String(result.stderr)}`).toBe(2);
      expect(result.stderr).toContain(`apply only when a daemon starts`);
    }
    // Without flags, start on a running daemon is what it always was: its status.
    const plain = await cli(['daemon', 'start', '--workspace', ws, '--json']);
    expect(plain.exitCode).toBe(0);
    expect(JSON.parse(String(plain.stdout))).toMatchObject({ running: true, pid });
    // The restart the message gives, word for word.
    expect((await cli(['daemon', 'stop', '--workspace', ws])).exitCode).toBe(0);
    const started = await startDaemon(ws, ['--listen', `127.0.0.1:${port}`]);
    expect(started).not.toBe(pid);
    expect(await answers(port)).toBe(true);
  });
});
