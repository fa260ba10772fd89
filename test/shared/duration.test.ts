import { describe, it, expect } from 'vitest';
import { Duration, formatAge, formatDuration, parseDuration } from '../../src/shared/duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0ms', 0],
    ['0.25m', 15_000],
    [' 2s ', 2000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads a bare number as seconds', () => {
    expect(parseDuration(5)).toBe(5000);
    expect(parseDuration(0.25)).toBe(250);
    expect(parseDuration(0)).toBe(0);
  });

  it.each(['5 minutes', '2 s', '', 's', '-2s', '2S', '2d', '10', 'ms', '1h30m', '.5s', '1e3ms'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('refuses negative and non-finite numbers', () => {
    expect(parseDuration(-1)).toBeNull();
    expect(parseDuration(Number.NaN)).toBeNull();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('rounds to whole milliseconds', () => {
    expect(parseDuration('1.0004s')).toBe(1000);
    expect(parseDuration('0.5ms')).toBe(1);
    expect(Number.isInteger(parseDuration(0.0014))).toBe(true);
  });
});

describe('Duration (zod)', () => {
  it('yields milliseconds', () => {
    expect(Duration.parse('10m')).toBe(600_000);
    expect(Duration.parse(3)).toBe(3000);
  });

  it('fails with a message that quotes the value and shows the accepted forms', () => {
    const result = Duration.safeParse('5 minutes');
    expect(result.success).toBe(false);
    const message = result.error?.issues[0]?.message ?? '';
    expect(message).toContain('"5 minutes"');
    expect(message).toContain('250ms');
  });

  it('fails on types that are neither string nor number', () => {
    expect(Duration.safeParse(true).success).toBe(false);
    expect(Duration.safeParse(null).success).toBe(false);
    expect(Duration.safeParse(-5).success).toBe(false);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1000, '1.0s'],
    [4200, '4.2s'],
    [12_400, '12s'],
    [60_000, '1m 00s'],
    [185_000, '3m 05s'],
    [3_599_000, '59m 59s'],
    [3_600_000, '1h 00m'],
    [3_720_000, '1h 02m'],
    [36_000_000, '10h 00m'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('never shows 60s: just under a minute rounds to 1m 00s', () => {
    expect(formatDuration(59_999)).toBe('1m 00s');
  });

  it('round-trips through parseDuration for whole units', () => {
    expect(formatDuration(parseDuration('250ms') ?? -1)).toBe('250ms');
    expect(formatDuration(parseDuration('10m') ?? -1)).toBe('10m 00s');
    expect(formatDuration(parseDuration('1h') ?? -1)).toBe('1h 00m');
  });
});

describe('formatAge', () => {
  it('reads in seconds for a minute, then minutes, hours and minutes, then days; never negative', () => {
    expect(formatAge(-8)).toBe('0ms');
    expect(formatAge(22_000)).toBe('22s');
    expect(formatAge(60_000)).toBe('1m');
    expect(formatAge(59 * 60_000 + 59_000)).toBe('59m');
    expect(formatAge(3_600_000 + 5 * 60_000)).toBe('1h 05m');
    expect(formatAge(50 * 3_600_000)).toBe('2d');
  });
});
