// The short crash test inside `npm test`: 6 SIGKILLs of a real daemon running a 5-stage pipeline, each followed
// by a restart and resumes. `npm run test:crash` does the same with 30.
import { expect, it } from 'vitest';
import { crashTest, formatCounts } from './crash.js';

it('a daemon killed with SIGKILL 6 times loses no succeeded stage, runs none twice, and every run succeeds', async () => {
  const lines: string[] = [];
  const seed = Number(process.env.PIPE_TUI_CRASH_SEED ?? Date.now() % 1_000_000);
  const counts = await crashTest({ kills: 6, seed, log: (line) => lines.push(line) });
  // The counts always; the blow-by-blow only when something went wrong.
  process.stdout.write(`${formatCounts(counts)}\n`);
  if (counts.problems.length) process.stdout.write(`${lines.join('\n')}\n`);
  expect(counts.problems).toEqual([]);
  expect(counts.kills).toBe(6);
  expect(counts.unreadableReads).toBe(0);
  expect(counts.metadataReads).toBeGreaterThan(100);
  expect(counts.lostSucceeded).toBe(0);
  expect(counts.rerunAfterSuccess).toBe(0);
  expect(counts.runs).toBeGreaterThan(0);
  expect(counts.runsSucceeded).toBe(counts.runs);
}, 60_000);
