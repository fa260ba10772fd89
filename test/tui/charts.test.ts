import { describe, expect, it } from 'vitest';
import { sparkline, timelineBar } from '../../src/tui/charts.js';

describe('text charts', () => {
  it('draws a sparkline from the smallest to the largest value, flat when all are equal', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([10, 10, 80])).toBe('▁▁█');
    expect(sparkline([5, 5])).toBe('▄▄');
    expect(sparkline([1, 8], true)).toBe('_#');
    expect(sparkline([])).toBe('');
  });

  it('places a bar in time on a line, at least one character wide', () => {
    expect(timelineBar(0, 50, 0, 100, 10)).toBe('█████');
    expect(timelineBar(50, 100, 0, 100, 10)).toBe('     █████');
    expect(timelineBar(90, 90, 0, 100, 10)).toBe('         █');
    expect(timelineBar(20, 40, 0, 100, 10, true)).toBe('  ##');
  });
});
