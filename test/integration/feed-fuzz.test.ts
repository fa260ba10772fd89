import { readFile } from 'node:fs/promises';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonConnection } from '../../src/client/daemon-connection.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { listRunIds, readRun } from '../../src/workspace/run-reader.js';
import { startDaemon, startRun, stopDaemons } from '../helpers/daemon.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

/** How long the fuzzing goes on, in all: bounded, so the suite's time is too. */
const BUDGET_MS = 12_000;
const ROUNDS = 30;
/** The daemon's memory may grow by this much over the whole fuzz, at most. */
const RSS_SLACK_KB = 150 * 1024;

const CHATTY = "stages:\n  - id: talk\n    run: 'i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo ::pipe:progress $i/100 step; echo line $i; sleep 0.01; done'\n";

const VALID: unknown[] = [
  { type: 'hello', protocol: 1 },
  { type: 'subscribe', runs: 'all', since: {} },
  { type: 'subscribe', runs: ['20260101-000000-000-aaaaaa'], since: { '20260101-000000-000-aaaaaa': 3 } },
  // A pipeline that is not there: a mutated run must not fill the queue ahead of the runs the test waits on.
  { type: 'command', id: '1', body: { command: 'run', pipeline: 'absent', params: {} } },
  { type: 'command', id: '2', body: { command: 'cancel', run_id: '20260101-000000-000-aaaaaa' } },
  { type: 'command', id: '3', body: { command: 'reset', run_id: '20260101-000000-000-aaaaaa', to: 'talk' } },
  { type: 'command', id: '4', body: { command: 'approve', run_id: '20260101-000000-000-aaaaaa', by: 'me' } },
];

// Values a careless or hostile client might put anywhere.
function junk(random: () => number, runIds: string[]): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => -1,
    () => 1e308 * 10,
    () => 'x'.repeat(Math.floor(random() * 70_000)),
    () => '../../etc/passwd',
    () => runIds[Math.floor(random() * runIds.length)] ?? '',
    () => Array.from({ length: Math.floor(random() * 3000) }, () => runIds[0] ?? 'a'),
    () => ({ __proto__: { polluted: true }, constructor: 'x' }),
    () => [[[[[[[[[[]]]]]]]]]],
    () => '\u0000\uFFFF\u001b[2J',
    () => 'all',
  ];
  return (choices[Math.floor(random() * choices.length)] as () => unknown)();
}

// A valid message with one field replaced, removed or added, or not a message at all.
function frame(random: () => number, runIds: string[]): string | Buffer {
  const kind = random();
  if (kind < 0.1) return Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
  if (kind < 0.2) return '{"type":"subscribe","runs":[' + '"x",'.repeat(Math.floor(random() * 5000));
  const message = structuredClone(VALID[Math.floor(random() * VALID.length)]) as Record<string, unknown>;
  const target = (message.body && random() < 0.5 ? message.body : message) as Record<string, unknown>;
  const keys = Object.keys(target);
  const key = random() < 0.8 && keys.length > 0 ? (keys[Math.floor(random() * keys.length)] as string) : `extra${Math.floor(random() * 5)}`;
  if (random() < 0.2) delete target[key];
  else target[key] = junk(random, runIds);
  return JSON.stringify(message);
}

async function rssKb(pid: number): Promise<number> {
  return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

async function openRaw(socket: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws+unix://${socket}:/`);
  ws.on('error', () => undefined);
  ws.on('message', () => undefined);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

describe('the feed under fuzzing', () => {
  it('answers, stays bounded in memory and keeps every metadata.json whole through random and mutated frames, subscribe storms and slow readers', async () => {
    const seed = Number(process.env.PIPE_TUI_FUZZ_SEED) || Date.now() % 1_000_000;
    const random = seededRandom(seed);
    const ws = await tempWorkspace({ chatty: CHATTY });
    const pid = await startDaemon(ws);
    const socket = daemonPaths(ws).socket;
    const runIds = [await startRun(ws, 'chatty')];
    const baseline = await rssKb(pid);
    const deadline = Date.now() + BUDGET_MS;
    let frames = 0;
    for (let round = 0; round < ROUNDS && Date.now() < deadline; round++) {
      const clients = await Promise.all(Array.from({ length: 3 }, () => openRaw(socket)));
      // One slow reader per round: subscribed to everything, reading nothing.
      const slow = clients[0] as WebSocket;
      slow.send(JSON.stringify({ type: 'hello', protocol: 1 }));
      slow.send(JSON.stringify({ type: 'subscribe', runs: 'all' }));
      (slow as unknown as { _socket: { pause: () => void } })._socket.pause();
      for (const client of clients.slice(1)) {
        if (random() < 0.7) client.send(JSON.stringify({ type: 'hello', protocol: 1 }));
        for (let i = 0; i < 40; i++, frames++) if (client.readyState === WebSocket.OPEN) client.send(frame(random, runIds));
      }
      if (round % 4 === 0) runIds.push(await startRun(ws, 'chatty').catch(() => runIds[0] as string));
      // After each round: it answers, its memory is bounded, and every run folder reads.
      const probe = await DaemonConnection.connect({ socket }).catch((error: Error) => {
        throw new Error(`seed ${seed}, round ${round}: the daemon did not answer: ${error.message}`);
      });
      probe.close();
      for (const client of clients) client.terminate();
      const grown = (await rssKb(pid)) - baseline;
      expect(grown, `seed ${seed}, round ${round}: RSS grew ${grown} kB`).toBeLessThan(RSS_SLACK_KB);
      for (const id of await listRunIds(ws)) {
        const read = await readRun(ws, id);
        // A run the fuzz started this instant may not have its metadata.json yet: it must have it soon.
        if (!read.ok && read.error.code === 'ERR_RUN_NOT_FOUND') await waitFor(`seed ${seed}: run ${id} to be created`, async () => (await readRun(ws, id)).ok);
        else expect(read.ok, `seed ${seed}, round ${round}: ${id}: ${read.ok ? '' : read.error.message}`).toBe(true);
      }
    }
    expect(frames).toBeGreaterThan(100);
    // Still a working daemon: a run started now goes to its end.
    const last = await startRun(ws, 'chatty');
    await waitFor(`seed ${seed}: the last run to end`, async () => {
      const read = await readRun(ws, last);
      return read.ok && read.run.status !== 'running' && read.run.status !== 'queued' ? read.run : null;
    }, 30_000);
  }, 90_000);
});
