import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonConnection } from '../../src/client/daemon-connection.js';
import { MAX_CLIENT_MESSAGE, type ServerMessage } from '../../src/shared/protocol.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { connect, startDaemon, stopDaemons } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopDaemons();
  await removeWorkspaces();
});

// A raw socket to the real daemon, past hello, recording every message.
async function rawClient(ws: string): Promise<{ socket: WebSocket; got: ServerMessage[] }> {
  const socket = new WebSocket(`ws+unix://${daemonPaths(ws).socket}:/`);
  const got: ServerMessage[] = [];
  socket.on('message', (d) => got.push(JSON.parse(String(d)) as ServerMessage));
  await new Promise((r) => socket.once('open', r));
  socket.send(JSON.stringify({ type: 'hello', protocol: 1 }));
  await waitFor('welcome', () => got.some((m) => m.type === 'welcome'));
  cleanups.push(async () => void socket.terminate());
  return { socket, got };
}

const replyTo = (got: ServerMessage[], id: string) => got.find((m) => m.type === 'reply' && m.id === id);

describe('the daemon answers a refused command with a reply carrying its id', () => {
  it('for a body that fails the schema and for a message over the limit; other refusals stay top-level errors', async () => {
    const ws = await tempWorkspace();
    await startDaemon(ws);
    const { socket, got } = await rawClient(ws);
    socket.send(JSON.stringify({ type: 'command', id: 'long-id', body: { command: 'cancel', run_id: 'x'.repeat(300) } }));
    socket.send(JSON.stringify({ type: 'command', id: 'empty-to', body: { command: 'reset', run_id: '20990101-000000-000-nosuch', to: '' } }));
    socket.send(JSON.stringify({ type: 'command', id: 'big', body: { command: 'run', pipeline: 'p', params: { x: 'y'.repeat(70 * 1024) } } }));
    socket.send(JSON.stringify({ type: 'command', id: 'no-such', body: { command: 'launch' } }));
    await waitFor('four replies', () => ['long-id', 'empty-to', 'big', 'no-such'].every((id) => replyTo(got, id)));
    expect(replyTo(got, 'long-id')).toMatchObject({ ok: false, error: { code: 'ERR_MESSAGE_INVALID', message: expect.stringContaining('body.run_id') } });
    expect(replyTo(got, 'empty-to')).toMatchObject({ ok: false, error: { code: 'ERR_MESSAGE_INVALID', message: expect.stringContaining('body.to') } });
    expect(replyTo(got, 'big')).toMatchObject({ ok: false, error: { code: 'ERR_MESSAGE_TOO_LARGE', message: expect.stringContaining(String(MAX_CLIENT_MESSAGE)) } });
    expect(replyTo(got, 'no-such')).toMatchObject({ ok: false, error: { code: 'ERR_MESSAGE_INVALID' } });

    // No readable id: not JSON, an id that is not a string, a message that is not a command.
    const before = got.filter((m) => m.type === 'error').length;
    socket.send('{"type":"command","id":"cut');
    socket.send(JSON.stringify({ type: 'command', id: 7, body: { command: 'cancel' } }));
    socket.send(JSON.stringify({ type: 'subscribe', runs: 'all', id: 'not-a-command', pad: 'x'.repeat(MAX_CLIENT_MESSAGE) }));
    await waitFor('three top-level errors', () => got.filter((m) => m.type === 'error').length === before + 3);
    expect(got.filter((m) => m.type === 'error').slice(before).map((m) => m.type === 'error' && m.error.code)).toEqual([
      'ERR_MESSAGE_INVALID', 'ERR_MESSAGE_INVALID', 'ERR_MESSAGE_TOO_LARGE',
    ]);
  });

  it('so a request rejects with the code instead of waiting', async () => {
    const ws = await tempWorkspace();
    await startDaemon(ws);
    const connection = await connect(ws);
    cleanups.push(async () => connection.close());
    await expect(connection.request({ command: 'cancel', run_id: 'x'.repeat(300) })).rejects.toMatchObject({ code: 'ERR_MESSAGE_INVALID' });
    await expect(connection.request({ command: 'run', pipeline: 'p', params: { x: 'y'.repeat(70 * 1024) } })).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
    await expect(connection.request({ command: 'reset', run_id: '20990101-000000-000-nosuch', to: '' })).rejects.toMatchObject({ code: 'ERR_MESSAGE_INVALID' });
    // And the connection is still good.
    await expect(connection.request({ command: 'resume', run_id: '20990101-000000-000-nosuch' })).rejects.toMatchObject({ code: 'ERR_RUN_NOT_FOUND' });
  });
});

// A daemon that welcomes and then answers commands as `answer` says: an old daemon, or one that hangs.
async function fakeDaemon(answer: (message: { type: string; id?: string }, send: (m: unknown) => void) => void): Promise<DaemonConnection> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pipe-tui-fake-'));
  const socketPath = path.join(dir, 'd.sock');
  const server: Server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (peer) => {
    const send = (m: unknown): void => peer.send(JSON.stringify(m));
    peer.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string };
      if (message.type === 'hello') send({ type: 'welcome', protocol: 1, daemon_pid: process.pid, workspace: dir });
      else answer(message, send);
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  const connection = await DaemonConnection.connect({ socket: socketPath });
  cleanups.push(async () => {
    connection.close();
    for (const peer of wss.clients) peer.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });
  return connection;
}

describe('a request to a daemon that does not answer it', () => {
  it('rejects with ERR_DAEMON_UNREACHABLE at its deadline', async () => {
    const connection = await fakeDaemon(() => undefined);
    await expect(connection.request({ command: 'resume', run_id: '20990101-000000-000-nosuch' }, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'ERR_DAEMON_UNREACHABLE',
      message: expect.stringContaining('resume'),
    });
  });

  it('takes a top-level error as the answer when exactly one request waits', async () => {
    const connection = await fakeDaemon((m, send) => {
      if (m.type === 'command') send({ type: 'error', error: { code: 'ERR_MESSAGE_INVALID', message: 'body.to: too small' } });
    });
    await expect(connection.request({ command: 'reset', run_id: '20990101-000000-000-nosuch', to: '' })).rejects.toMatchObject({
      code: 'ERR_MESSAGE_INVALID',
      message: 'body.to: too small',
    });
  });

  it('does not guess whose error it is when two requests wait', async () => {
    const errors: string[] = [];
    const connection = await fakeDaemon((m, send) => {
      errors.push(String(m.id));
      send({ type: 'error', error: { code: 'ERR_MESSAGE_INVALID', message: `refused ${String(m.id)}` } });
    });
    const both = [
      connection.request({ command: 'resume', run_id: '20990101-000000-000-nosuch' }, { timeoutMs: 300 }),
      connection.request({ command: 'resume', run_id: '20990101-000000-000-nosuch' }, { timeoutMs: 300 }),
    ];
    for (const request of both) await expect(request).rejects.toMatchObject({ code: 'ERR_DAEMON_UNREACHABLE' });
    expect(errors).toEqual(['1', '2']);
  });

  it("does not take an error as a request's while a subscribe waits for its answer", async () => {
    const seen: ServerMessage[] = [];
    const connection = await fakeDaemon((m, send) => {
      // Silent on the subscribe; an error for the command, which could as well be the subscribe's.
      if (m.type === 'command') send({ type: 'error', error: { code: 'ERR_MESSAGE_INVALID', message: 'refused' } });
    });
    connection.onMessage = (m) => seen.push(m);
    connection.subscribe('all');
    await expect(connection.request({ command: 'resume', run_id: '20990101-000000-000-nosuch' }, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'ERR_DAEMON_UNREACHABLE',
    });
    expect(seen).toEqual([{ type: 'error', error: { code: 'ERR_MESSAGE_INVALID', message: 'refused' } }]);
  });
});
