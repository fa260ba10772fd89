import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { LatestThrottle, THROTTLE_MS } from '../../../src/daemon/engine/latest-throttle.js';
import { SharedPace } from '../../../src/daemon/engine/shared-pace.js';

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

  describe('with a shared pace', () => {
    /** Fifty stages flooding at once, a value each every millisecond: `got[i]` holds [time, value] of each delivery. */
    function flood(pace: SharedPace, count = 50) {
      const got: [number, number][][] = Array.from({ length: count }, () => []);
      const throttles = got.map((list) => new LatestThrottle<number>((v) => list.push([Date.now(), v]), THROTTLE_MS, pace));
      return {
        got,
        throttles,
        run(fromMs: number, toMs: number, only = throttles) {
          for (let t = fromMs; t < toMs; t++) {
            for (const throttle of only) throttle.push(t);
            vi.advanceTimersByTime(1);
          }
        },
      };
    }
    const start = (): number => Date.now();

    it('delivers fifty floods together on one beat, about five a second each, always ending on the newest', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const t0 = start();
      const f = flood(pace);
      f.run(0, 2000);
      vi.advanceTimersByTime(1000);
      for (const list of f.got) {
        // The second second, once the pace has counted them all: on the 200 ms beat, together.
        const late = list.filter(([at]) => at - t0 >= 1000);
        expect(late.length).toBeGreaterThanOrEqual(4);
        expect(late.length).toBeLessThanOrEqual(6);
        for (const [at] of late) expect(at % 200).toBe(0);
        expect(list.at(-1)?.[1]).toBe(1999);
        expect(list.map(([, v]) => v)).toEqual([...list.map(([, v]) => v)].sort((a, b) => a - b));
      }
      const beats = new Set(f.got.flatMap((list) => list.filter(([at]) => at - t0 >= 1000).map(([at]) => at)));
      expect(beats.size).toBeLessThanOrEqual(6);
    });

    it('keeps the plain window while only a few flood', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const f = flood(pace, 3);
      f.run(0, 1000);
      for (const list of f.got) expect(list.length).toBeGreaterThanOrEqual(20);
    });

    it('does not slow a stage that prints now and then, while fifty flood', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const f = flood(pace);
      const quiet: [number, number][] = [];
      const probe = new LatestThrottle<number>((v) => quiet.push([Date.now(), v]), THROTTLE_MS, pace);
      f.run(0, 1000);
      for (let i = 1; i <= 10; i++) {
        const at = Date.now();
        probe.push(i);
        expect(quiet.at(-1)).toEqual([at, i]);
        f.run(0, 100 + i);
      }
    });

    it('delivers at once again when a flood stops for a while', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const f = flood(pace);
      f.run(0, 1000);
      const [first] = f.throttles;
      const list = f.got[0] as [number, number][];
      // The others go on; the first one is quiet for a quarter of a second, then prints once.
      f.run(0, 250, f.throttles.slice(1));
      const at = Date.now();
      first?.push(-1);
      expect(list.at(-1)).toEqual([at, -1]);
    });

    it('keeps a flood on the beat through a short pause (its process waiting for a CPU)', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const f = flood(pace);
      f.run(0, 1010);
      const [first] = f.throttles;
      const list = f.got[0] as [number, number][];
      f.run(0, 60, f.throttles.slice(1));
      const at = Date.now();
      first?.push(-1);
      f.run(0, 200, f.throttles.slice(1));
      // Delivered with the others, on the next beat.
      expect(list.at(-1)).toEqual([(Math.floor(at / 200) + 1) * 200, -1]);
    });

    it('does not take two lines that once came close together for a flood', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const f = flood(pace);
      f.run(0, 1000);
      const quiet: [number, number][] = [];
      const probe = new LatestThrottle<number>((v) => quiet.push([Date.now(), v]), THROTTLE_MS, pace);
      f.run(0, 1);
      const t0 = Date.now();
      probe.push(1);
      f.run(0, 5);
      // Only the plain window holds this one, not the 200 ms beat.
      probe.push(2);
      f.run(0, 115);
      const at = Date.now();
      probe.push(3);
      expect(quiet).toEqual([[t0, 1], [t0 + THROTTLE_MS, 2], [at, 3]]);
    });

    it('takes a stage printing a little slower than the window off the beat again, after two of its lines came close', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const f = flood(pace);
      f.run(0, 1000);
      const quiet: [number, number][] = [];
      const probe = new LatestThrottle<number>((v) => quiet.push([Date.now(), v]), THROTTLE_MS, pace);
      const late: number[] = [];
      for (let i = 1; i <= 20; i++) {
        const at = Date.now();
        probe.push(i);
        // Line 5 comes twice, 5 ms apart (a hiccup): the second is held for the beat.
        if (i === 5) {
          f.run(0, 5);
          probe.push(i);
        }
        f.run(0, 60);
        if (!quiet.some(([when, v]) => v === i && when === at)) late.push(i);
      }
      // The hiccup and the line or two after it, while the beat finds a single line in it: no more.
      expect(late.length).toBeLessThanOrEqual(3);
      expect(late.every((i) => i >= 5 && i <= 8)).toBe(true);
      expect(quiet.at(-1)?.[1]).toBe(20);
    });

    it('leaves the pace when closed, so the floods still going speed up again', () => {
      const pace = new SharedPace(250, THROTTLE_MS);
      const f = flood(pace);
      f.run(0, 1000);
      expect(pace.gap(Date.now())).toBe(200);
      for (const throttle of f.throttles.slice(5)) throttle.close();
      vi.advanceTimersByTime(100);
      expect(pace.gap(Date.now())).toBe(THROTTLE_MS);
      // Each closed one delivered its newest value first.
      for (const list of f.got.slice(5)) expect(list.at(-1)?.[1]).toBe(999);
    });
  });
});
