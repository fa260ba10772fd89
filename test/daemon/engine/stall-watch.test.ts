import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StallWatch } from '../../../src/daemon/engine/stall-watch.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function watch(afterMs: number, paused = false) {
  const told: string[] = [];
  const w = new StallWatch(afterMs, { stalled: (ms) => told.push(`stalled ${ms}`), resumed: (ms) => told.push(`resumed ${ms}`) }, paused);
  return { w, told };
}

describe('StallWatch', () => {
  it('tells a silence once when it passes the limit, and its end once, with how long it lasted', () => {
    const { w, told } = watch(1000);
    vi.advanceTimersByTime(999);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(told).toEqual(['stalled 1000']);
    vi.advanceTimersByTime(5000);
    expect(told).toEqual(['stalled 1000']);
    w.activity();
    w.activity();
    expect(told).toEqual(['stalled 1000', 'resumed 6000']);
    // Timed afresh from the output that ended it.
    vi.advanceTimersByTime(1000);
    expect(told).toEqual(['stalled 1000', 'resumed 6000', 'stalled 1000']);
    w.stop();
  });

  it('is pushed back by output without a timer per chunk: the one timer reads the last time when it fires', () => {
    const { w, told } = watch(1000);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    vi.advanceTimersByTime(600);
    for (let i = 0; i < 10_000; i++) w.activity();
    expect(timers).not.toHaveBeenCalled();
    vi.advanceTimersByTime(400);
    expect(told).toEqual([]);
    // Re-armed once, for what is left of the silence since the last chunk.
    expect(timers).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(599);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(told).toEqual(['stalled 1000']);
    w.stop();
  });

  it('does not time a paused watch (a queued cluster job) and starts afresh on resume', () => {
    const { w, told } = watch(1000, true);
    vi.advanceTimersByTime(10_000);
    expect(told).toEqual([]);
    w.resume();
    vi.advanceTimersByTime(999);
    w.pause();
    vi.advanceTimersByTime(10_000);
    expect(told).toEqual([]);
    w.resume();
    vi.advanceTimersByTime(1000);
    expect(told).toEqual(['stalled 1000']);
    w.stop();
  });

  it('tells nothing once stopped', () => {
    const { w, told } = watch(1000);
    w.stop();
    vi.advanceTimersByTime(5000);
    w.activity();
    w.resume();
    vi.advanceTimersByTime(5000);
    expect(told).toEqual([]);
  });
});
