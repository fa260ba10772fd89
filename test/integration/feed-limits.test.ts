import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import type { ServerMessage } from '../../src/shared/protocol.js';
import { DaemonConnection } from '../../src/client/daemon-connection.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const HELLO = "stages:\n  - id: greet\n    run: 'echo hi'\n";
const port = (): number => 20000 + Math.floor(Math.random() * 20000);

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
}

/** A raw WebSocket to the daemon that records what it is sent and when it is closed. */
async function raw(url: string): Promise<{ ws: WebSocket; got: ServerMessage[]; closed: () => boolean }> {
  const ws = new WebSocket(url);
  const got: ServerMessage[] = [];
  let gone = false;
  ws.on('message', (d) => got.push(JSON.parse(String(d))));
  ws.on('error', () => undefined);
  ws.once('close', () => (gone = true));
  const closed = (): boolean => gone;
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return { ws, got, closed };
}

describe('the feed bounds what a client may cost the daemon', () => {
  it('lets a connection that never says hello go, on the socket and over TCP', async () => {
    const ws = await tempWorkspace();
    const tcp = port();
    await startDaemon(ws, ['--listen', `127.0.0.1:${tcp}`], { PIPE_TUI_HELLO_MS: '300' });
    const local = await raw(`ws+unix://${daemonPaths(ws).socket}:/`);
    const remote = await raw(`ws://127.0.0.1:${tcp}/`);
    await waitFor('both silent connections to be closed', () => local.closed() && remote.closed(), 15_000);
    expect(local.got[0]).toMatchObject({ type: 'error', error: { code: 'ERR_MESSAGE_INVALID' } });
    expect(remote.got[0]).toMatchObject({ type: 'error', error: { code: 'ERR_UNAUTHORIZED' } });
  });

  it('turns away TCP connections past the cap of those not yet authenticated, and serves the owner meanwhile', async () => {
    const ws = await tempWorkspace({ hello: HELLO });
    const tcp = port();
    await startDaemon(ws, ['--listen', `127.0.0.1:${tcp}`]);
    const waiting: WebSocket[] = [];
    let refused: Error | null = null;
    try {
      for (let i = 0; i < 80 && !refused; i++) {
        try {
          waiting.push((await raw(`ws://127.0.0.1:${tcp}/`)).ws);
        } catch (error) {
          refused = error as Error;
        }
      }
      expect(refused?.message).toBe('HTTP 503');
      expect(waiting.length).toBe(64);
      // The owner's socket is not theirs to fill.
      const runId = await startRun(ws, 'hello');
      await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    } finally {
      for (const w of waiting) w.terminate();
    }
  });

  it('survives a client that floods subscribes naming one run thousands of times while reading nothing', async () => {
    const ws = await tempWorkspace({ hello: HELLO });
    const pid = await startDaemon(ws);
    const runId = await startRun(ws, 'hello');
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    const before = await rssKb(pid);
    const flood = await raw(`ws+unix://${daemonPaths(ws).socket}:/`);
    flood.ws.send(JSON.stringify({ type: 'hello', protocol: 1 }));
    const socket = (flood.ws as unknown as { _socket: { pause: () => void; resume: () => void } })._socket;
    socket.pause();
    const subscribe = JSON.stringify({ type: 'subscribe', runs: Array.from({ length: 2000 }, () => runId) });
    for (let i = 0; i < 100; i++) flood.ws.send(subscribe);
    // Whatever the daemon made of it (served each subscribe once, or cut the client off when too many waited),
    // by the time the client has read it all or been let go, the daemon holds nothing of it.
    socket.resume();
    const snapshots = (): number => flood.got.filter((m) => m.type === 'snapshot').length;
    await waitFor('every subscribe answered, or the client cut off', () => snapshots() === 100 || flood.closed(), 60_000);
    for (const m of flood.got) if (m.type === 'snapshot') expect(m.runs.length).toBeLessThanOrEqual(1);
    const after = await DaemonConnection.connect({ socket: daemonPaths(ws).socket });
    after.close();
    expect((await rssKb(pid)) - before).toBeLessThan(64 * 1024);
  });

  it('over TCP runs pipelines by name only, and never reads a file path a token holder names', async () => {
    const ws = await tempWorkspace({ hello: HELLO });
    const tcp = port();
    await startDaemon(ws, ['--listen', `127.0.0.1:${tcp}`]);
    const token = (await readFile(path.join(ws, '.pipe-tui', 'token'), 'utf8')).trim();
    const client = await DaemonConnection.connect({ url: `ws://127.0.0.1:${tcp}/`, token });
    try {
      for (const pipeline of ['/etc/passwd', path.join(ws, 'pipelines', 'hello.yaml'), 'hello.yaml']) {
        const refused = await client.request({ command: 'run', pipeline, params: {} }).then(() => null, (error: unknown) => error);
        expect(refused).toMatchObject({ code: 'ERR_PIPELINE_NOT_FOUND' });
        expect((refused as Error).message).not.toContain('root:');
      }
      const { run_id } = await client.request({ command: 'run', pipeline: 'hello', params: {} });
      await waitForRun(ws, run_id, 'to succeed', (r) => r.status === 'succeeded');
    } finally {
      client.close();
    }
  });
});
