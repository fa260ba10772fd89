// Searching a 1 GB stage log for a needle on its last line: pipe-tui's search (the one the TUI's `/` and
// `logs --grep` use) against `grep -c` on the same file, in the same run, the file in the page cache for both.
// The log is made once and cached under the OS temp dir: coloured log lines, and tqdm bars redrawn with `\r`.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { logMatcher, searchLog } from '../src/workspace/log-search.js';
import { type BenchResult, median, monotonicMs } from './bench-helpers.js';

const CACHE = path.join(os.tmpdir(), 'pipe-tui-bench-log-search-v1');
const GB = 1024 ** 3;
const RUNS = 5;
const GOAL_RATIO = 2;
const NEEDLE = 'needle-on-the-last-line';

// About 1 GiB: mostly coloured INFO lines, a tqdm bar of 100 `\r` frames every 200 lines, the needle at the end.
function makeLog(file: string): void {
  if (existsSync(file) && statSync(file).size > GB) return;
  const building = `${file}.building-${process.pid}`;
  const fd = openSync(building, 'w');
  const block: string[] = [];
  for (let i = 0; i < 2000; i++) {
    if (i % 200 === 199) {
      block.push(`${Array.from({ length: 100 }, (_, f) => `\r${f}%|${'█'.repeat(f >> 3)}${' '.repeat(13 - (f >> 3))}| ${f}/100 [00:${String(f % 60).padStart(2, '0')}<00:10, 9.87it/s]`).join('')}\n`);
    } else block.push(`2026-12-01 10:00:${String(i % 60).padStart(2, '0')} \x1b[32mINFO\x1b[0m step ${i} loss=0.${i % 997} lr=1e-4 tokens=${i * 31}\n`);
  }
  const chunk = Buffer.from(block.join(''));
  let written = 0;
  while (written < GB) written += writeSync(fd, chunk);
  writeSync(fd, `\x1b[31mERROR\x1b[0m ${NEEDLE} here\n`);
  closeSync(fd);
  renameSync(building, file);
}

async function searchOnce(file: string): Promise<{ ms: number; found: number }> {
  const handle = await open(file);
  try {
    const start = monotonicMs();
    let found = 0;
    for await (const batch of searchLog(handle, logMatcher(NEEDLE))) found += batch.length;
    return { ms: monotonicMs() - start, found };
  } finally {
    await handle.close();
  }
}

function grepOnce(file: string): { ms: number; found: number } {
  const start = monotonicMs();
  const result = spawnSync('grep', ['-c', NEEDLE, file], { encoding: 'utf8' });
  return { ms: monotonicMs() - start, found: Number(result.stdout.trim()) };
}

export async function logSearch(): Promise<BenchResult> {
  await mkdir(CACHE, { recursive: true });
  const file = path.join(CACHE, 'big.log');
  const made = monotonicMs();
  makeLog(file);
  const madeS = (monotonicMs() - made) / 1000;
  // Both read the file once first, so both find it in the page cache.
  grepOnce(file);
  await searchOnce(file);
  const ours: number[] = [];
  const greps: number[] = [];
  let found = { ours: 0, grep: 0 };
  for (let i = 0; i < RUNS; i++) {
    const a = await searchOnce(file);
    const b = grepOnce(file);
    ours.push(a.ms);
    greps.push(b.ms);
    found = { ours: a.found, grep: b.found };
  }
  const rss = process.memoryUsage().rss / 1e6;
  const ratio = median(ours) / median(greps);
  return {
    name: 'log-search',
    title: 'Searching a 1 GB log for a needle on its last line: pipe-tui\'s search vs `grep -c` on the same file',
    figures: [
      { key: 'search_ms', label: 'pipe-tui search to the last line, median', value: median(ours), unit: 'ms', digits: 0 },
      { key: 'grep_ms', label: '`grep -c` on the same file, median', value: median(greps), unit: 'ms', digits: 0 },
      { key: 'search_vs_grep', label: 'search / grep', value: ratio, unit: '×', digits: 2, goal: { max: GOAL_RATIO, text: `≤ ${GOAL_RATIO}×` } },
      { key: 'bench_rss_mb', label: 'the searching process\'s RSS after the searches', value: rss, unit: 'MB', digits: 0 },
    ],
    notes: [
      `the log: ${(statSync(file).size / GB).toFixed(2)} GiB of coloured INFO lines with a 100-frame tqdm bar every 200 lines and the needle (after a colour code) on its last line; ${madeS < 1 ? 'cached' : `made in ${madeS.toFixed(1)} s`} (${file})`,
      `found: pipe-tui ${found.ours}, grep ${found.grep}; ${RUNS} runs each, alternating; pipe-tui: ${ours.map((v) => v.toFixed(0)).join(', ')} ms; grep: ${greps.map((v) => v.toFixed(0)).join(', ')} ms`,
      'the search is src/workspace/log-search.ts in this process (the TUI and `logs --grep` run the same code): 4 MB at a time tried whole with one regex pass over its raw bytes (stepping over colour codes), candidate lines played as a terminal shows them and tried again',
    ],
  };
}
