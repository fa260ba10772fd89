import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFY_LOG } from '../../src/workspace/layout.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) s.closeAllConnections();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await stopDaemons();
  await removeWorkspaces();
});

interface Hook {
  url: string;
  bodies: Record<string, unknown>[];
}

// A real HTTP server on localhost; `answer` decides each response by the request's number (1, 2, …).
async function hook(answer: (n: number, res: ServerResponse) => void): Promise<Hook> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      answer(bodies.length, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

const failing = (notify: string): string => `stages:\n  - id: boom\n    run: 'exit 7'\nnotify:\n${notify}`;
const notifyLog = async (dir: string): Promise<string> => readFile(path.join(dir, NOTIFY_LOG), 'utf8');

describe('notifications', () => {
  it('POSTs the run facts to a webhook when a run fails, and logs the delivery in the run folder', async () => {
    const h = await hook((_, res) => res.writeHead(204).end());
    const ws = await tempWorkspace({ p: failing(`  on: [failed]\n  webhook: ${h.url}\n`) });
    const { final, recorder } = await runIn(ws, 'p');
    expect(final.status).toBe('failed');
    expect(h.bodies).toEqual([
      expect.objectContaining({ event: 'failed', run_id: final.run_id, pipeline: 'p', status: 'failed', stage: 'boom', error: expect.objectContaining({ code: 'ERR_STAGE_EXIT' }), run_dir: recorder.dir }),
    ]);
    expect(await notifyLog(recorder.dir)).toMatch(/failed: webhook http:\/\/127\.0\.0\.1:\d+\/hook: delivered\n$/);
  });

  it('retries after a 500, and gives up on a 4xx at once', async () => {
    const flaky = await hook((n, res) => res.writeHead(n === 1 ? 500 : 200).end());
    const ws = await tempWorkspace({ p: failing(`  - webhook: ${flaky.url}\n    attempts: 3\n`) });
    const { recorder } = await runIn(ws, 'p');
    expect(flaky.bodies).toHaveLength(2);
    const log = await notifyLog(recorder.dir);
    expect(log).toContain('try 1 of 3 failed (HTTP 500), trying again');
    expect(log).toMatch(/delivered\n$/);

    const refusing = await hook((_, res) => res.writeHead(403).end());
    const ws2 = await tempWorkspace({ p: failing(`  - webhook: ${refusing.url}\n    attempts: 3\n`) });
    const second = await runIn(ws2, 'p');
    expect(refusing.bodies).toHaveLength(1);
    expect(await notifyLog(second.recorder.dir)).toMatch(/not delivered: HTTP 403/);
  });

  it('times out a webhook that never answers, bounded, and the run ends as it would have', async () => {
    const silent = await hook(() => undefined);
    const ws = await tempWorkspace({ p: `stages:\n  - id: fine\n    run: 'true'\nnotify:\n  on: [succeeded]\n  webhook: ${silent.url}\n  timeout: 300ms\n  attempts: 2\n` });
    const started = Date.now();
    const { final, recorder } = await runIn(ws, 'p');
    expect(final.status).toBe('succeeded');
    expect(silent.bodies).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await notifyLog(recorder.dir)).toMatch(/succeeded: webhook .*: not delivered: timed out after 2 tries at most/);
  });

  it('runs a command with the run facts in its environment, never in its command line', async () => {
    const ws = await tempWorkspace({
      p: `params:\n  title: { default: "x" }\nstages:\n  - id: boom\n    run: 'exit 7'\nnotify:\n  command: 'env | grep ^PIPE_ | sort > notified.txt'\n`,
    });
    const { final } = await runIn(ws, 'p', { params: { title: '$(touch pwned)' } });
    const env = await readFile(path.join(ws, 'notified.txt'), 'utf8');
    expect(env).toContain(`PIPE_RUN_ID=${final.run_id}`);
    expect(env).toContain('PIPE_NOTIFY_EVENT=failed');
    expect(env).toContain('PIPE_ERROR_CODE=ERR_STAGE_EXIT');
    expect(env).toContain('PIPE_STAGE=boom');
    await expect(readFile(path.join(ws, 'pwned'))).rejects.toThrow();
  });

  it('tells of a run waiting for approval, from the daemon', async () => {
    const ws = await tempWorkspace({
      gate: "stages:\n  - id: draft\n    run: 'true'\n  - id: publish\n    approval: true\n    run: 'true'\nnotify:\n  on: [awaiting_approval]\n  command: 'echo \"$PIPE_RUN_ID $PIPE_STAGE\" > waiting.txt'\n",
    });
    await startDaemon(ws);
    const runId = await startRun(ws, 'gate');
    await waitForRun(ws, runId, 'to wait for approval', (r) => r.status === 'awaiting_approval');
    const text = await waitFor('the notification', () => readFile(path.join(ws, 'waiting.txt'), 'utf8').catch(() => null));
    expect(text.trim()).toBe(`${runId} publish`);
  });

  it('refuses a notify entry with both or neither of command and webhook', async () => {
    const ws = await tempWorkspace({ p: failing('  command: x\n  webhook: http://localhost/\n') });
    const { exitCode, stderr } = await cli(['validate', path.join(ws, 'pipelines', 'p.yaml')]);
    expect(exitCode).toBe(2);
    expect(String(stderr)).toContain('notify: give either command or webhook');
  });
});
