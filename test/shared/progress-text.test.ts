import { describe, expect, it } from 'vitest';
import { countText, itemsText, progressCount, progressText, rateText } from '../../src/shared/progress-text.js';

describe('progress text', () => {
  it('shows counts whole up to 9 999 and scaled past it', () => {
    expect([countText(45), countText(9999), countText(12_345), countText(1_800_000), countText(3_400_000_000), countText(2.555)]).toEqual(['45', '9999', '12.3k', '1.8M', '3.4G', '2.56']);
  });

  it('shows an unknown total as the count alone, with no bar', () => {
    expect(progressCount({ current: 30, total: null })).toBe('30');
    expect(progressText({ current: 30, total: null, rate_per_s: 90.84 }, 8)).toBe('30 90.8/s');
  });

  it('shows the bar, the count and the program’s rate', () => {
    expect(progressText({ current: 45, total: 100, rate_per_s: 4.5 }, 4, true)).toBe('##-- 45/100 4.5/s');
    expect(progressText({ current: 1_800_000, total: 3_400_000, rate_per_s: 3_790_000 }, 2, true)).toBe('#- 1.8M/3.4M 3.8M/s');
    expect(rateText(1 / 1.5)).toBe('1.5s each');
    expect(rateText(null)).toBeNull();
  });

  it('shows ffmpeg’s media time as a clock and its rate as a speed', () => {
    expect(progressText({ current: 5000, total: 6000, rate_per_s: 990, unit: 'ms' }, 4, true)).toBe('###- 0:05/0:06 0.99x');
    expect(progressCount({ current: 3_723_000, total: null, unit: 'ms' })).toBe('1:02:03');
    expect(rateText(24_500, 'ms')).toBe('24.5x');
  });
});

describe('items text', () => {
  it('says a fan-out’s items done of all, succeeded, failed and running', () => {
    const items = { total: 1000, next: 742, succeeded: 730, base: 0, running: Array.from({ length: 8 }, (_, index) => ({ index, attempt: 1, started_at: '2026-12-01T00:00:00.000Z', next_attempt_at: null })), failed: [1, 2, 3, 4].map((index) => ({ index, attempts: 1, code: 'ERR_STAGE_EXIT', message: 'x' })) };
    expect(itemsText(items, true)).toBe('items 734/1000 ✔ 730 ✖ 4 ▶ 8');
    expect(itemsText({ ...items, failed: [] }, false, true)).toBe('items 730/1000 ok 730');
  });
});
