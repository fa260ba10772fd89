import { cp, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { lockHolder } from '../../src/workspace/daemon-pid.js';
import { daemonPaths } from '../../src/workspace/layout.js';
import { BIN } from '../helpers/cli.js';
import { connect, startDaemon, stopDaemons } from '../helpers/daemon.js';
import { isAlive, removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

const racing: number[] = [];
afterEach(async () => {
  for (const pid of racing.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await stopDaemons();
  await removeWorkspaces();
});

// How the trials were run: kill -9 the daemon, then many `daemon run` at once. Here 50 rounds of 4 racers
// rather than 20: each racer is a whole Node process, and 50 × 20 of them do not fit in a minute on a loaded
// 2-core machine. To race as hard with fewer, the racers are lined up: each waits at a gate, preloaded before the
// binary, until every one of them is ready, then all are let go at once.
const ROUNDS = 50;
const RACERS = 4;
// On a machine loaded past its cores a round can take seconds: past this budget no new round starts, once the
// first MIN_ROUNDS are done. Every round that runs is checked in full.
const BUDGET_MS = 75_000;
const MIN_ROUNDS = 10;

// Preloaded with --import: says it is ready, then blocks until a byte arrives on stdin.
const GATE = "import { readSync, writeSync } from 'node:fs';\nwriteSync(1, 'ready\\n');\nfor (;;) { try { if (readSync(0, Buffer.alloc(1)) > 0) break; } catch (e) { if (e.code !== 'EAGAIN') throw e; } }\n";

interface Racer {
  pid: number;
  ready: boolean;
  stderr: string;
  exit: { code: number | undefined } | null;
  go: () => void;
}

// A `daemon run` in the foreground, as the launcher starts it: its stderr is what would go to daemon.log.
function race(ws: string, gate: string): Racer {
  const child = execa('node', ['--import', gate, BIN, 'daemon', 'run', '--workspace', ws], { reject: false, env: { NO_COLOR: '1' } });
  const racer: Racer = { pid: child.pid as number, ready: false, stderr: '', exit: null, go: () => child.stdin?.end('g') };
  racing.push(racer.pid);
  child.stdout?.on('data', () => void (racer.ready = true));
  child.stderr?.on('data', (chunk: Buffer) => void (racer.stderr += chunk.toString()));
  void child.then((result) => void (racer.exit = { code: result.exitCode }));
  return racer;
}

const serving = (r: Racer): boolean => r.exit === null && /serving/.test(r.stderr);

describe('the workspace lock', () => {
  it(`lets exactly one of ${RACERS} racing daemons serve right after a kill -9, ${ROUNDS} times over (at least ${MIN_ROUNDS} on a loaded machine)`, async () => {
    const ws = await tempWorkspace();
    const paths = daemonPaths(ws);
    const gate = path.join(ws, 'gate.mjs');
    await writeFile(gate, GATE);
    let winner: Racer | null = null;
    const began = Date.now();
    for (let round = 0; round < ROUNDS && (round < MIN_ROUNDS || Date.now() - began < BUDGET_MS); round++) {
      if (winner) {
        process.kill(winner.pid, 'SIGKILL');
        const dead = winner;
        await waitFor(`round ${round}: the last winner to die`, () => dead.exit !== null || !isAlive(dead.pid));
      }
      const racers = Array.from({ length: RACERS }, () => race(ws, gate));
      await waitFor(`round ${round}: every racer at the gate`, () => racers.every((r) => r.ready), 20_000);
      for (const racer of racers) racer.go();
      const report = (): string => racers.map((r) => `pid ${r.pid} exit ${r.exit?.code ?? '-'}: ${r.stderr.trim()}`).join('\n');
      await waitFor(`round ${round}: every racer to serve or exit`, () => racers.every((r) => r.exit !== null || serving(r)), 20_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${report()}`);
      });
      const winners = racers.filter(serving);
      expect(winners.length, `round ${round}: daemons serving one workspace:\n${report()}`).toBe(1);
      for (const loser of racers.filter((r) => r !== winners[0])) {
        expect(loser.exit?.code, `round ${round}:\n${report()}`).toBe(1);
        expect(loser.stderr, `round ${round}:\n${report()}`).toMatch(/^pipe-tui: ERR_DAEMON_LOCKED: /m);
      }
      winner = winners[0] as Racer;
      expect(lockHolder(paths.pid)).toBe(winner.pid);
      // And the workspace is served: its socket answers.
      const connection = await connect(ws);
      connection.close();
    }
  }, 240_000);

  it('gives a copied workspace (its .pipe-tui included) a lock of its own, and keeps the lock private', async () => {
    const ws = await tempWorkspace();
    const first = await startDaemon(ws);
    const copy = await tempWorkspace();
    // As `cp -r` would, but for the socket, which no copy can take.
    await cp(daemonPaths(ws).dir, daemonPaths(copy).dir, { recursive: true, filter: (file) => file !== daemonPaths(ws).socket });
    const second = await startDaemon(copy);
    expect(second).not.toBe(first);
    expect(lockHolder(daemonPaths(ws).pid)).toBe(first);
    expect(lockHolder(daemonPaths(copy).pid)).toBe(second);
    expect((await stat(daemonPaths(ws).lockSecret)).mode & 0o777).toBe(0o600);
  });
});
