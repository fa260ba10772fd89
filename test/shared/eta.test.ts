import { describe, expect, it } from 'vitest';
import { runRemainingMs, stageRemainingMs } from '../../src/shared/eta.js';
import type { RunMetadata, StageState } from '../../src/shared/metadata-schema.js';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString();
const at = (s: number): number => T0 + s * 1000;

function stage(over: Partial<StageState> = {}): StageState {
  return {
    id: 'work', index: 0, optional: false, status: 'pending', attempts: 0, max_attempts: 1, next_attempt_at: null,
    started_at: null, attempt_started_at: null, ended_at: null, duration_ms: null, progress: null, eta_ms: null,
    expected_ms: null, expected_samples: 0, cost_usd: 0, malformed_lines: 0, error: null, log: 'logs/00_work.log', outputs: [],
    checkpoint_data: null, checkpoint: null, pgid: null, approval_timeout_at: null, approved_by: null,
    approved_at: null, reset_reason: null, job: null, silent_since: null, resources: null, needs: null, items: null, waiting_for: null, ...over,
  };
}
const running = (over: Partial<StageState> = {}): StageState =>
  stage({ status: 'running', attempts: 1, started_at: iso(0), attempt_started_at: iso(0), ...over });
const progress = (current: number, total: number | null, s: number, remaining_ms: number | null = null) => ({ current, total, message: null, at: iso(s), rate_per_s: null, remaining_ms, unit: null });

function run(stages: StageState[], status: RunMetadata['status'] = 'running'): RunMetadata {
  return {
    schema_version: 1, run_id: 'r', pipeline: 'p', pipeline_file: null, params: {}, status, runner_pid: null,
    created_at: iso(0), started_at: iso(0), ended_at: null, current_state: { stage: 0, step: 'work', progress: '0/1' },
    stages, expected_outputs: [], completed_outputs: [], entities: [], error: null, total_cost_usd: 0, eta_ms: null,
    eta_at: null, seq: 1,
  };
}

describe('stage ETA', () => {
  it('says unknown with no history and no progress, never a made-up number', () => {
    expect(stageRemainingMs(running(), at(30))).toBeNull();
    expect(stageRemainingMs(stage(), at(30))).toBeNull();
  });

  it('counts down from the usual duration with history alone (one sample is enough to say something)', () => {
    const s = running({ expected_ms: 60_000, expected_samples: 1 });
    expect(stageRemainingMs(s, at(0))).toBe(60_000);
    expect(stageRemainingMs(s, at(45))).toBe(15_000);
  });

  it('takes an overrunning stage with nothing else to go by as nearly done, not done', () => {
    const s = running({ expected_ms: 60_000, expected_samples: 8 });
    expect(stageRemainingMs(s, at(90))).toBe(3000);
  });

  it('uses the substage rate alone without history, counted down from the report', () => {
    // 2 of 10 in 4 s: 16 s left at the report; 1 s later, 15 s.
    const s = running({ progress: progress(2, 10, 4) });
    expect(stageRemainingMs(s, at(4))).toBe(16_000);
    expect(stageRemainingMs(s, at(5))).toBe(15_000);
    expect(stageRemainingMs(running({ progress: progress(0, 10, 4) }), at(4))).toBeNull();
  });

  it('takes the program’s own time left where it printed one, and has no rate for an unknown total', () => {
    // 2 of 10 in 4 s would say 16 s; tqdm said 6 s (its recent rate): 6 s at the report, 5 s a second later.
    const s = running({ progress: progress(2, 10, 4, 6000) });
    expect(stageRemainingMs(s, at(4))).toBe(6000);
    expect(stageRemainingMs(s, at(5))).toBe(5000);
    expect(stageRemainingMs(running({ progress: progress(45, null, 4) }), at(4))).toBeNull();
  });

  it('blends history and rate, the rate weighing more as the stage gets further', () => {
    // History says 100 s; at 20 s the stage is 1/2 done, so the rate says 20 s more: 0.5·20 + 0.5·80 = 50 s.
    const half = running({ expected_ms: 100_000, expected_samples: 10, progress: progress(5, 10, 20) });
    expect(stageRemainingMs(half, at(20))).toBe(50_000);
    // At 9/10 the rate dominates: 0.9·(20/9·1) + 0.1·(100 − 20) s.
    const most = running({ expected_ms: 100_000, expected_samples: 10, progress: progress(9, 10, 20) });
    expect(stageRemainingMs(most, at(20))).toBe(Math.round(0.9 * (20_000 / 9) + 0.1 * 80_000));
  });

  it('is not thrown by an outlier in history: the median that history stores stands', () => {
    // The history index stores a median, so one slow run among ten moves expected_ms little (see history tests);
    // here: a stage far ahead of its usual time follows its rate once it has progress.
    const s = running({ expected_ms: 600_000, expected_samples: 10, progress: progress(99, 100, 30) });
    expect(stageRemainingMs(s, at(30))).toBeLessThan(0.02 * 600_000);
  });

  it('adds the backoff wait to a retrying stage', () => {
    const s = stage({ status: 'retrying', attempts: 1, started_at: iso(0), next_attempt_at: iso(10), expected_ms: 20_000, expected_samples: 3 });
    expect(stageRemainingMs(s, at(4))).toBe(6000 + 20_000);
    expect(stageRemainingMs({ ...s, expected_ms: null }, at(4))).toBeNull();
  });
});

describe('run ETA', () => {
  it('sums the stages still to finish, and is unknown if any of them is', () => {
    const done = stage({ status: 'succeeded', duration_ms: 5000, started_at: iso(0), ended_at: iso(5) });
    const now = running({ index: 1, started_at: iso(5), attempt_started_at: iso(5), expected_ms: 10_000, expected_samples: 4 });
    const next = stage({ index: 2, expected_ms: 7000, expected_samples: 4 });
    expect(runRemainingMs(run([done, now, next]), at(8))).toBe(7000 + 7000);
    expect(runRemainingMs(run([done, now, { ...next, expected_ms: null }]), at(8))).toBeNull();
  });

  it('is 0 for a succeeded run and unknown for one not running', () => {
    expect(runRemainingMs(run([], 'succeeded'), at(1))).toBe(0);
    expect(runRemainingMs(run([stage({ expected_ms: 1000 })], 'awaiting_approval'), at(1))).toBeNull();
    expect(runRemainingMs(run([stage({ expected_ms: 1000 })], 'failed'), at(1))).toBeNull();
  });
});
