// The short crash test inside `npm test`: 6 SIGKILLs of a real daemon running a 5-stage pipeline and a graph
// with a 40-item fan-out, each kill followed by a restart and resumes. `npm run test:crash` does the same with 30.
// A new seed each time (printed with the counts); PIPE_TUI_CRASH_SEED=N replays one.
import { expect, it } from 'vitest';
import { crashTest, formatCounts } from './crash.js';

it('a daemon killed with SIGKILL 6 times loses no succeeded stage or item, runs none twice, and every run succeeds', async () => {
  const lines: string[] = [];
  const seed = Number(process.env.PIPE_TUI_CRASH_SEED ?? Date.now() % 1_000_000);
  const counts = await crashTest({ kills: 6, seed, finishTimeoutMs: 20_000, log: (line) => lines.push(line) });
  // The counts always; the blow-by-blow only when something went wrong.
  process.stdout.write(`${formatCounts(counts)}\n`);
  if (counts.problems.length) process.stdout.write(`${lines.join('\n')}\n`);
  expect(counts.problems, `crash test problems (replay: PIPE_TUI_CRASH_SEED=${seed})`).toEqual([]);
  expect(counts.kills).toBe(6);
  expect(counts.unreadableReads).toBe(0);
  expect(counts.metadataReads).toBeGreaterThan(100);
  expect(counts.lostSucceeded).toBe(0);
  expect(counts.rerunAfterSuccess).toBe(0);
  expect(counts.runs).toBeGreaterThan(0);
  expect(counts.runsSucceeded).toBe(counts.runs);
  expect(counts.graphRuns).toBeGreaterThan(0);
  expect(counts.itemsSucceeded).toBeGreaterThan(0);
  expect(counts.itemsSucceeded).toBe(counts.graphRuns * 40);
  expect(counts.itemsLost).toBe(0);
  expect(counts.itemsRerunAfterSuccess).toBe(0);
  expect(counts.needsBroken).toBe(0);
  // Typically 15–30 s; the ceiling is high so that on a failure crashTest still cleans up (daemon, workspace) itself.
}, 90_000);
