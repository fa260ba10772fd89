import { describe, expect, it } from 'vitest';
import { ACTIVE_MS, SharedPace } from '../../../src/daemon/engine/shared-pace.js';

const members = (n: number): object[] => Array.from({ length: n }, () => ({}));

describe('SharedPace', () => {
  it('keeps the least gap while few members are busy', () => {
    const pace = new SharedPace(250, 40);
    expect(pace.gap(0)).toBe(40);
    for (const m of members(10)) pace.touch(m, 1000);
    // Ten at one every 40 ms is 250 a second: not slowed yet.
    expect(pace.gap(1000)).toBe(40);
  });

  it('stretches the gap so that many busy members together stay within the rate', () => {
    const pace = new SharedPace(250, 40);
    for (const m of members(50)) pace.touch(m, 1000);
    expect(pace.gap(1000)).toBe(200);
  });

  it('forgets members that were not busy for a while, and members that left', () => {
    const pace = new SharedPace(250, 40);
    const all = members(50);
    for (const m of all) pace.touch(m, 1000);
    expect(pace.gap(1000)).toBe(200);
    // Half of them left (their stages ended): counted again within a tenth of a second.
    for (const m of all.slice(25)) pace.forget(m);
    expect(pace.gap(1100)).toBe(100);
    // The rest went quiet.
    expect(pace.gap(1000 + ACTIVE_MS + 1)).toBe(40);
  });

  it('puts the next delivery on the beat: the first multiple of the gap after the last one', () => {
    const pace = new SharedPace(250, 40);
    for (const m of members(50)) pace.touch(m, 10_000);
    expect(pace.next(10_000, 10_000)).toBe(10_200);
    expect(pace.next(10_013, 10_013)).toBe(10_200);
    expect(pace.next(10_199, 10_050)).toBe(10_200);
    expect(pace.next(10_200, 10_200)).toBe(10_400);
  });

  it('counts again when the clock went back (a test faking it), rather than trusting an old count', () => {
    const pace = new SharedPace(250, 40);
    for (const m of members(50)) pace.touch(m, 10_000);
    expect(pace.gap(10_000)).toBe(200);
    expect(pace.gap(5000)).toBe(200);
    expect(pace.gap(10_000 + ACTIVE_MS + 1)).toBe(40);
  });
});
