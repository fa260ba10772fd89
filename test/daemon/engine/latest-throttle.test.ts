import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { LatestThrottle, THROTTLE_MS } from '../../../src/daemon/engine/latest-throttle.js';

describe('LatestThrottle', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-01-01T00:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers the first value at once', () => {
    const got: number[] = [];
    const throttle = new LatestThrottle<number>((v) => got.push(v), 100);
    throttle.push(1);
    expect(got).toEqual([1]);
  });

  it('delivers only the newest of a burst, when the window closes', () => {
    const got: number[] = [];
    const throttle = new LatestThrottle<number>((v) => got.push(v), 100);
    for (let i = 1; i <= 50; i++) throttle.push(i);
    expect(got).toEqual([1]);
    vi.advanceTimersByTime(99);
    expect(got).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(got).toEqual([1, 50]);
    // Nothing more is waiting.
    vi.advanceTimersByTime(1000);
    expect(got).toEqual([1, 50]);
  });

  it('delivers at most once per window under a steady stream, always ending on the newest', () => {
    const got: number[] = [];
    const throttle = new LatestThrottle<number>((v) => got.push(v), 100);
    for (let i = 1; i <= 100; i++) {
      throttle.push(i);
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(100);
    // 1 s of pushes in 100 ms windows: about 10 deliveries, not 100.
    expect(got.length).toBeGreaterThanOrEqual(9);
    expect(got.length).toBeLessThanOrEqual(12);
    expect(got.at(-1)).toBe(100);
    expect([...got].sort((a, b) => a - b)).toEqual(got);
  });

  it('delivers at once again after a quiet window', () => {
    const got: string[] = [];
    const throttle = new LatestThrottle<string>((v) => got.push(v), 100);
    throttle.push('a');
    vi.advanceTimersByTime(150);
    throttle.push('b');
    expect(got).toEqual(['a', 'b']);
  });

  it('flush() delivers what is waiting now and cancels the timer', () => {
    const got: number[] = [];
    const throttle = new LatestThrottle<number>((v) => got.push(v), 100);
    throttle.push(1);
    throttle.push(2);
    throttle.push(3);
    throttle.flush();
    expect(got).toEqual([1, 3]);
    vi.advanceTimersByTime(1000);
    expect(got).toEqual([1, 3]);
  });

  it('flush() with nothing waiting delivers nothing', () => {
    const got: number[] = [];
    const throttle = new LatestThrottle<number>((v) => got.push(v), 100);
    throttle.flush();
    throttle.push(1);
    throttle.flush();
    expect(got).toEqual([1]);
  });

  it('starts a new window after a flush', () => {
    const got: number[] = [];
    const throttle = new LatestThrottle<number>((v) => got.push(v), 100);
    throttle.push(1);
    throttle.push(2);
    throttle.flush();
    throttle.push(3);
    expect(got).toEqual([1, 2]);
    vi.advanceTimersByTime(100);
    expect(got).toEqual([1, 2, 3]);
  });

  it('uses a window of THROTTLE_MS by default', () => {
    const got: number[] = [];
    const throttle = new LatestThrottle<number>((v) => got.push(v));
    throttle.push(1);
    throttle.push(2);
    vi.advanceTimersByTime(THROTTLE_MS - 1);
    expect(got).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(got).toEqual([1, 2]);
  });
});
