import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import { MAX_CLIENT_MESSAGE, type ServerMessage } from '../../src/shared/protocol.js';
import { DaemonConnection } from '../../src/client/daemon-connection.js';
import { FeedClient } from '../../src/client/feed-client.js';
import { connect, recorder, startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const TICKS = "stages:\n  - id: tick\n    run: 'for i in 1 2 3 4 5 6 7 8 9 10; do echo ::pipe:progress $i/10; sleep 0.06; done'\n  - id: tock\n    run: 'echo ::pipe:cost 0.01'\n";

const seqs = (events: { seq: number }[]): number[] => events.map((e) => e.seq);

describe('the feed', () => {
  it('gives two clients the same event stream, equal to events.ndjson', async () => {
    const ws = await tempWorkspace({ ticks: TICKS });
    await startDaemon(ws);
    const a = await recorder(ws);
    const b = await recorder(ws);
    a.connection.subscribe('all');
    b.connection.subscribe('all');
    await waitFor('both snapshots', () => a.messages.some((m) => m.type === 'snapshot') && b.messages.some((m) => m.type === 'snapshot'));
    const runId = await startRun(ws, 'ticks');
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    const onDisk = (await readFile(path.join(ws, 'runs', runId, 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).seq as number);
    await waitFor('both clients to hold the last event', () => a.events(runId).length === onDisk.length && b.events(runId).length === onDisk.length);
    expect(seqs(a.events(runId))).toEqual(onDisk);
    expect(seqs(b.events(runId))).toEqual(onDisk);
    expect(a.events(runId)).toEqual(b.events(runId));
  });

  it('sends a client that reconnects with its last seq exactly the events it missed', async () => {
    const ws = await tempWorkspace({ ticks: TICKS });
    await startDaemon(ws);
    const runId = await startRun(ws, 'ticks');
    const first = await recorder(ws);
    first.connection.subscribe([runId]);
    await waitFor('some progress', () => first.events(runId).some((e) => e.type === 'stage.progress'));
    const snapshot = first.messages.find((m) => m.type === 'snapshot') as Extract<ServerMessage, { type: 'snapshot' }>;
    first.connection.close();
    const held = Math.max(snapshot.runs[0]?.seq ?? 0, ...seqs(first.events(runId)));
    await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded');
    const again = await recorder(ws);
    again.connection.subscribe([runId], { [runId]: held });
    const last = (await waitForRun(ws, runId, 'to succeed', () => true)).seq;
    await waitFor('the missed events', () => again.events(runId).at(-1)?.seq === last);
    expect(again.messages.find((m) => m.type === 'snapshot')).toMatchObject({ runs: [] });
    expect(seqs(again.events(runId))).toEqual(Array.from({ length: last - held }, (_, i) => held + 1 + i));
  });

  it('answers garbage, unknown, oversize and binary messages with codes, and stays up', async () => {
    const ws = await tempWorkspace({ ticks: TICKS });
    await startDaemon(ws);
    const client = await recorder(ws);
    const errors = () => client.messages.flatMap((m) => (m.type === 'error' ? [m.error.code] : []));
    client.connection.send('this is not json');
    client.connection.send({ type: 'launch-missiles' });
    // A command with a readable id is answered by a reply instead (command-replies.test.ts); it must not disturb.
    client.connection.send({ type: 'command', id: 'raw-1', body: { command: 'cancel' } });
    client.connection.send(JSON.stringify({ type: 'subscribe', runs: 'all', pad: 'x'.repeat(MAX_CLIENT_MESSAGE) }));
    await waitFor('three coded errors', () => errors().length >= 3);
    await expect(client.connection.request({ command: 'cancel', run_id: '../../etc' })).rejects.toMatchObject({ code: 'ERR_RUN_ID_INVALID' });
    await expect(client.connection.request({ command: 'resume', run_id: '20990101-000000-000-nosuch' })).rejects.toMatchObject({ code: 'ERR_RUN_NOT_FOUND' });
    await expect(client.connection.request({ command: 'run', pipeline: 'nope', params: {} })).rejects.toMatchObject({ code: 'ERR_PIPELINE_NOT_FOUND' });
    expect(errors()).toEqual(expect.arrayContaining(['ERR_MESSAGE_INVALID', 'ERR_MESSAGE_TOO_LARGE']));
    // A raw socket: binary, and talking before hello.
    const raw = new WebSocket(`ws+unix://${daemonPaths(ws).socket}:/`);
    const rawMessages: ServerMessage[] = [];
    raw.on('message', (d) => rawMessages.push(JSON.parse(String(d))));
    await new Promise((r) => raw.once('open', r));
    raw.send(Buffer.from([0, 1, 2, 3]));
    raw.send(JSON.stringify({ type: 'subscribe', runs: 'all' }));
    await waitFor('two errors on the raw socket', () => rawMessages.length >= 2);
    expect(rawMessages.map((m) => m.type === 'error' && m.error.code)).toEqual(['ERR_MESSAGE_INVALID', 'ERR_MESSAGE_INVALID']);
    raw.terminate();
    // Still serving: a well-behaved client runs a pipeline to the end.
    const runId = await startRun(ws, 'ticks');
    expect((await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded')).status).toBe('succeeded');
  });

  it('refuses a client of another protocol version', async () => {
    const ws = await tempWorkspace();
    await startDaemon(ws);
    const raw = new WebSocket(`ws+unix://${daemonPaths(ws).socket}:/`);
    const got: ServerMessage[] = [];
    raw.on('message', (d) => got.push(JSON.parse(String(d))));
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    await new Promise((r) => raw.once('open', r));
    raw.send(JSON.stringify({ type: 'hello', protocol: 999 }));
    expect(await closed).toBe(4400);
    expect(got[0]).toMatchObject({ type: 'error', error: { code: 'ERR_PROTOCOL_VERSION' } });
    await expect(connect(ws)).resolves.toBeInstanceOf(DaemonConnection);
  });

  it('on TCP, refuses clients without the token and serves those with it', async () => {
    const ws = await tempWorkspace();
    const port = 20000 + Math.floor(Math.random() * 20000);
    await startDaemon(ws, ['--listen', `127.0.0.1:${port}`]);
    const token = (await readFile(path.join(ws, '.pipe-tui', 'token'), 'utf8')).trim();
    const url = `ws://127.0.0.1:${port}/`;
    await expect(DaemonConnection.connect({ url, token: 'wrong' })).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    await expect(DaemonConnection.connect({ url, token: '' })).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    const good = await DaemonConnection.connect({ url, token });
    good.close();
  });
});

describe('a slow client', () => {
  it('is told to resync instead of holding the daemon back; a client that keeps up ends with the whole run', async () => {
    const ws = await tempWorkspace({
      chatty: "stages:\n  - id: costs\n    run: 'i=0; while [ $i -lt 4000 ]; do i=$((i+1)); echo ::pipe:cost 0.000001; done'\n",
    });
    // A small per-client buffer, so a client that stops reading is found out quickly.
    await startDaemon(ws, [], { PIPE_TUI_CLIENT_BUFFER: '65536' });
    const slow = new WebSocket(`ws+unix://${daemonPaths(ws).socket}:/`);
    const slowMessages: ServerMessage[] = [];
    slow.on('message', (d) => slowMessages.push(JSON.parse(String(d))));
    await new Promise((r) => slow.once('open', r));
    slow.send(JSON.stringify({ type: 'hello', protocol: 1 }));
    slow.send(JSON.stringify({ type: 'subscribe', runs: 'all' }));
    await waitFor('the slow client to be subscribed', () => slowMessages.some((m) => m.type === 'snapshot'));
    const socket = (slow as unknown as { _socket: { pause: () => void; resume: () => void } })._socket;
    socket.pause();
    // The client the TUI uses: it answers a resync by subscribing again from its seqs.
    const keeping = new FeedClient({ workspace: ws, runs: 'all', startDaemon: false });
    await keeping.start();
    const runId = await startRun(ws, 'chatty');
    const done = await waitForRun(ws, runId, 'to succeed', (r) => r.status === 'succeeded', 30_000);
    await waitFor('the keeping client to hold the finished run', () => keeping.runs.get(runId)?.seq === done.seq, 15_000);
    expect(keeping.runs.get(runId)).toEqual(done);
    keeping.close();
    socket.resume();
    await waitFor('the slow client to be told to resync', () => slowMessages.some((m) => m.type === 'resync'), 15_000);
    slow.terminate();
  });
});
