import { describe, it, expect } from 'vitest';
import { seededRandom as rng } from '../../helpers/seeded-random.js';
import { backoffDelay, isRetryable, maxAttempts, type RetryPolicy } from '../../../src/daemon/engine/retry-policy.js';
import type { StageError } from '../../../src/shared/metadata-schema.js';
import { StageSpec } from '../../../src/shared/pipeline-schema.js';

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({ attempts: 5, backoff: 'exponential', min: 1000, max: 30_000, ...over });

const failure = (code: string, exitCode: number | null = 1): StageError => ({
  code,
  message: code,
  exit_code: exitCode,
  signal: null,
  stack: null,
  at: '2026-01-01T00:00:00.000Z',
});


describe('maxAttempts', () => {
  it('is 1 without retries and the attempts count with them', () => {
    expect(maxAttempts(StageSpec.parse({ id: 'a', run: 'x' }))).toBe(1);
    expect(maxAttempts(StageSpec.parse({ id: 'a', run: 'x', retries: 4 }))).toBe(4);
    expect(maxAttempts(StageSpec.parse({ id: 'a', run: 'x', retries: { attempts: 2 } }))).toBe(2);
  });
});

describe('isRetryable', () => {
  it('retries nothing without a policy', () => {
    expect(isRetryable(undefined, failure('ERR_STAGE_EXIT'))).toBe(false);
  });

  it('retries every failure but a cancel without `on`', () => {
    const p = policy();
    for (const code of ['ERR_STAGE_EXIT', 'ERR_STAGE_TIMEOUT', 'ERR_STAGE_SIGNAL', 'ERR_OUTPUT_MISSING', 'ERR_EMBEDDINGS_MISSING']) {
      expect(isRetryable(p, failure(code)), code).toBe(true);
    }
    expect(isRetryable(p, failure('ERR_CANCELLED', null))).toBe(false);
  });

  it('with `on`, retries only the exit codes and ERR_* codes it names', () => {
    const p = policy({ on: [75, 'ERR_STAGE_TIMEOUT', 'ERR_RATE_LIMITED'] });
    expect(isRetryable(p, failure('ERR_STAGE_EXIT', 75))).toBe(true);
    expect(isRetryable(p, failure('ERR_STAGE_EXIT', 1))).toBe(false);
    expect(isRetryable(p, failure('ERR_STAGE_TIMEOUT', null))).toBe(true);
    expect(isRetryable(p, failure('ERR_RATE_LIMITED', 0))).toBe(true);
    expect(isRetryable(p, failure('ERR_OUTPUT_MISSING', 0))).toBe(false);
    expect(isRetryable(p, failure('ERR_STAGE_SIGNAL', null))).toBe(false);
  });

  it('never retries a cancel, even when `on` names it or its exit code', () => {
    expect(isRetryable(policy({ on: ['ERR_CANCELLED', 143] }), failure('ERR_CANCELLED', 143))).toBe(false);
  });

  it('retries nothing with an empty `on`', () => {
    expect(isRetryable(policy({ on: [] }), failure('ERR_STAGE_EXIT'))).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('stays within [min, max] for many random values and attempt numbers', () => {
    const random = rng(99);
    const policies = [policy(), policy({ min: 250, max: 1000 }), policy({ backoff: 'fixed', min: 2000, max: 10_000 }), policy({ min: 0, max: 500 })];
    for (const p of policies) {
      for (let i = 0; i < 2000; i++) {
        const attempt = 1 + Math.floor(random() * 100);
        const delay = backoffDelay(p, attempt, random);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(p.min);
        expect(delay).toBeLessThanOrEqual(p.max);
      }
    }
  });

  it('stays within [min, max] at the extremes of the random source', () => {
    for (const r of [0, 0.999999999]) {
      for (let attempt = 1; attempt <= 100; attempt++) {
        const delay = backoffDelay(policy({ min: 2000, max: 10_000 }), attempt, () => r);
        expect(delay).toBeGreaterThanOrEqual(2000);
        expect(delay).toBeLessThanOrEqual(10_000);
      }
    }
  });

  it('doubles from min at each failed attempt until max, without jitter at the midpoint', () => {
    const p = policy({ min: 1000, max: 10_000 });
    const mid = (): number => 0.5;
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(p, n, mid))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('jitters by up to ±25%, clamped to the bounds', () => {
    const p = policy({ min: 1000, max: 10_000 });
    expect(backoffDelay(p, 3, () => 0)).toBe(3000);
    expect(backoffDelay(p, 3, () => 0.999999)).toBe(5000);
    // At the bounds, jitter cannot push past them.
    expect(backoffDelay(p, 1, () => 0)).toBe(1000);
    expect(backoffDelay(p, 10, () => 0.999999)).toBe(10_000);
  });

  it('spreads delays with the default random source', () => {
    const p = policy({ min: 1000, max: 100_000 });
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(p, 4)));
    expect(delays.size).toBeGreaterThan(1);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(6000);
      expect(d).toBeLessThanOrEqual(10_000);
    }
  });

  it('keeps a fixed backoff around min whatever the attempt', () => {
    const p = policy({ backoff: 'fixed', min: 2000, max: 10_000 });
    for (const attempt of [1, 2, 5, 20]) expect(backoffDelay(p, attempt, () => 0.5)).toBe(2000);
    const random = rng(5);
    for (let i = 0; i < 500; i++) {
      const d = backoffDelay(p, 1 + (i % 10), random);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(2500);
    }
  });
});
