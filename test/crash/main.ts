// `npm run test:crash [-- --kills N --seed S --keep]`: the full crash test (30 SIGKILLs of the daemon by
// default), one progress line per kill, then the counts; exit code 1 on any violation. The seed is printed so a
// failure can be replayed with --seed.
import { parseArgs } from 'node:util';
import { crashTest, formatCounts } from './crash.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '30' },
    seed: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const kills = Number(values.kills);
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: test/crash/main.ts [--kills N] [--seed S] [--keep]\n');
  process.exit(2);
}

const counts = await crashTest({ kills, seed, keepWorkspace: values.keep, log: (line) => process.stdout.write(`${line}\n`) });
for (const problem of counts.problems) process.stdout.write(`PROBLEM: ${problem}\n`);
process.stdout.write(`${formatCounts(counts)}\n`);
process.stdout.write(counts.problems.length ? `crash test FAILED (${counts.problems.length} problems; replay with --seed ${seed})\n` : 'crash test passed\n');
process.exitCode = counts.problems.length ? 1 : 0;
