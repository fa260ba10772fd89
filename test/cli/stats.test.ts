import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonPaths } from '../../src/workspace/layout.js';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/history/history.ndjson');

async function withHistory(): Promise<string> {
  const ws = await tempWorkspace();
  await mkdir(daemonPaths(ws).dir, { recursive: true });
  await copyFile(FIXTURE, daemonPaths(ws).history);
  return ws;
}

describe('pipe-tui stats', () => {
  // The numbers below are worked out by hand from test/fixtures/history/history.ndjson.
  it('gives per stage runs, median and p90 of successes, failure rate and the usual errors (--json)', async () => {
    const ws = await withHistory();
    const { exitCode, stdout } = await cli(['stats', 'podcast', '--json', '--workspace', ws]);
    expect(exitCode).toBe(0);
    const [podcast] = JSON.parse(String(stdout));
    expect(podcast.pipeline).toBe('podcast');
    expect(podcast.runs).toBe(8);
    // fetch: 6 successes (1000 2000 3000 3500 4000 10000), 1 failure, 1 cancel (not counted).
    // Every fetch ran once a run (attempts 1): 7 attempts counted, the 1 of the failed run failed.
    expect(podcast.stages[0]).toEqual({
      stage: 'fetch', runs: 7, succeeded: 6, failed: 1, failure_rate: 1 / 7,
      attempts: 7, attempts_failed: 1, attempt_failure_rate: 1 / 7,
      median_ms: 3250, p90_ms: 10_000,
      errors: [{ code: 'ERR_STAGE_EXIT', count: 1 }],
      last_error: { code: 'ERR_STAGE_EXIT', run_id: 'r6', at: '2026-11-20T10:11:00.000Z' },
      recent_ms: [1000, 2000, 3000, 4000, 10_000, 3500],
      // No record says its peak memory (made before it was measured): none.
      median_peak_rss_bytes: null, p90_peak_rss_bytes: null, recent_peak_rss_bytes: [],
    });
    // summarize: 2 successes (2000 2500); failed twice and skipped (optional, failing) twice.
    expect(podcast.stages[1]).toMatchObject({
      stage: 'summarize', runs: 6, succeeded: 2, failed: 4, attempts: 6, attempts_failed: 4, median_ms: 2250, p90_ms: 2500,
      errors: [{ code: 'ERR_UPSTREAM_UNAVAILABLE', count: 3 }, { code: 'ERR_STAGE_TIMEOUT', count: 1 }],
      last_error: { code: 'ERR_STAGE_TIMEOUT', run_id: 'r5' },
    });
    expect(podcast.stages[1].failure_rate).toBeCloseTo(4 / 6, 10);
  });

  // The bug: a stage that failed twice before it succeeded, in every run, read `FAILED 0%`.
  it('counts failed attempts apart from failed runs: a stage that always succeeds on its third try', async () => {
    const ws = await withHistory();
    const { exitCode, stdout } = await cli(['stats', 'flaky', '--json', '--workspace', ws]);
    expect(exitCode).toBe(0);
    const [flaky] = JSON.parse(String(stdout));
    // call: 3 runs, each succeeded at attempt 3: no run failed, 6 of 9 attempts did.
    expect(flaky.stages[0]).toMatchObject({ stage: 'call', runs: 3, failed: 0, failure_rate: 0, attempts: 9, attempts_failed: 6 });
    expect(flaky.stages[0].attempt_failure_rate).toBeCloseTo(6 / 9, 10);
    // upload: f1 1 attempt ok; f2 failed after 2 (both failed); f3 ok at its 2nd (1 failed): 1 run of 3, 3 attempts of 5.
    expect(flaky.stages[1]).toMatchObject({ stage: 'upload', runs: 3, failed: 1, attempts: 5, attempts_failed: 3, attempt_failure_rate: 3 / 5 });
    const table = String((await cli(['stats', 'flaky', '--workspace', ws])).stdout);
    expect(table).toMatch(/^flaky · 3 runs\nSTAGE +RUNS +MEDIAN +P90 +PEAK MEM \(MEDIAN\/P90\) +RUNS FAILED +ATTEMPTS FAILED +ERRORS\n/);
    expect(table).toMatch(/\ncall +3 +3\.2s +3\.4s +- +0% +67% \(6\/9\)\n/);
    expect(table).toMatch(/\nupload +3 +600ms +700ms +- +33% +60% \(3\/5\) +ERR_UPSTREAM_UNAVAILABLE ×1\n?$/);
  });

  it('prints every pipeline as a table', async () => {
    const ws = await withHistory();
    const { exitCode, stdout } = await cli(['stats', '--workspace', ws]);
    expect(exitCode).toBe(0);
    const text = String(stdout);
    expect(text).toMatch(/^flaky · 3 runs\n/);
    expect(text).toMatch(/\n\nhello · 1 run\nSTAGE +RUNS +MEDIAN +P90 +PEAK MEM \(MEDIAN\/P90\) +RUNS FAILED +ATTEMPTS FAILED +ERRORS\ngreet +1 +40ms +40ms +- +0% +0% \(0\/1\)\n/);
    expect(text).toMatch(/podcast · 8 runs\n.*\nfetch +7 +3\.3s +10s +- +14% +14% \(1\/7\) +ERR_STAGE_EXIT ×1\nsummarize +6 +2\.3s +2\.5s +- +67% +67% \(4\/6\) +ERR_UPSTREAM_UNAVAILABLE ×3, ERR_STAGE_TIMEOUT ×1/);
  });

  it('says so for a pipeline without history, with a code', async () => {
    const ws = await withHistory();
    const { exitCode, stderr } = await cli(['stats', 'nope', '--workspace', ws]);
    expect(exitCode).toBe(2);
    expect(String(stderr)).toMatch(/^pipe-tui: ERR_PIPELINE_NOT_FOUND: /);
  });

  it('rebuilds the index from the run folders with --rebuild', async () => {
    const ws = await tempWorkspace({ two: "stages:\n  - id: a\n    run: 'true'\n  - id: b\n    run: 'exit 5'\n" });
    await cli(['run', 'two', '--foreground', '--workspace', ws]);
    await cli(['run', 'two', '--foreground', '--workspace', ws]);
    await mkdir(daemonPaths(ws).dir, { recursive: true });
    await copyFile(FIXTURE, daemonPaths(ws).history); // someone else's history: wrong for this workspace
    const { stdout } = await cli(['stats', '--rebuild', '--json', '--workspace', ws]);
    const stats = JSON.parse(String(stdout));
    expect(stats.map((p: { pipeline: string }) => p.pipeline)).toEqual(['two']);
    expect(stats[0].stages.map((s: { stage: string; runs: number; failed: number }) => [s.stage, s.runs, s.failed])).toEqual([
      ['a', 2, 0],
      ['b', 2, 2],
    ]);
  });
});
