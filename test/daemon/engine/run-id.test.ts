import { describe, it, expect } from 'vitest';
import { newRunId } from '../../../src/daemon/engine/run-id.js';
import { isRunId } from '../../../src/shared/names.js';

describe('newRunId', () => {
  it('is the UTC time to the millisecond, then a 6-character base-36 suffix', () => {
    const id = newRunId(new Date('2026-11-24T05:32:00.123Z'));
    expect(id).toMatch(/^20261124-053200-123-[0-9a-z]{6}$/);
    expect(isRunId(id)).toBe(true);
  });

  it('differs between two ids of the same millisecond', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const ids = new Set(Array.from({ length: 1000 }, () => newRunId(now)));
    expect(ids.size).toBe(1000);
  });

  it('sorts as a plain string in creation order for increasing times', () => {
    const start = Date.parse('2025-12-31T23:59:58.990Z');
    // Steps that cross millisecond, second, minute, hour, day, month and year boundaries.
    const steps = [0, 1, 9, 10, 11, 999, 1000, 1001, 60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 400 * 86_400_000];
    const times = steps.map((s) => start + s);
    const ids = times.map((ms) => newRunId(new Date(ms)));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(isRunId(id)).toBe(true);
  });

  it('sorts in creation order for many random increasing times', () => {
    let ms = Date.parse('2026-01-01T00:00:00.000Z');
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      ms += 1 + Math.floor(Math.random() * 5_000_000);
      ids.push(newRunId(new Date(ms)));
    }
    expect([...ids].sort()).toEqual(ids);
  });
});
