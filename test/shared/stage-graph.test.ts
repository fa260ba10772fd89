import { describe, expect, it } from 'vitest';
import { criticalPathMs, downstream, findCycle, isGraph, needIndexes, resolvedNeeds, topologicalOrder } from '../../src/shared/stage-graph.js';

const diamond = [{ id: 'a' }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['a'] }, { id: 'd', needs: ['b', 'c'] }];

describe('the stage graph', () => {
  it('reads a stage without needs as needing the one before it, and `needs: []` as none', () => {
    expect(needIndexes([{ id: 'a' }, { id: 'b' }, { id: 'c', needs: [] }, { id: 'd' }])).toEqual([[], [0], [], [2]]);
    expect(resolvedNeeds(diamond)).toEqual([[], ['a'], ['a'], ['b', 'c']]);
    expect(isGraph(needIndexes([{ id: 'a' }, { id: 'b' }]))).toBe(false);
    expect(isGraph(needIndexes(diamond))).toBe(true);
  });

  it('finds a cycle, in the order work would flow', () => {
    expect(findCycle(diamond)).toBeNull();
    expect(findCycle([{ id: 'a', needs: ['c'] }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['b'] }])).toEqual(['a', 'b', 'c', 'a']);
  });

  it('orders stages after their needs, and finds what is downstream of one', () => {
    const needs = needIndexes([{ id: 'd', needs: ['b', 'c'] }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['a'] }, { id: 'a', needs: [] }, { id: 'e', needs: [] }]);
    expect(topologicalOrder(needs)).toEqual([3, 4, 1, 2, 0]);
    expect([...downstream(needs, 1)].sort()).toEqual([0, 1]);
    expect([...downstream(needs, 3)].sort()).toEqual([0, 1, 2, 3]);
  });

  it('measures the time left along the longest path: branches overlap, a line adds up', () => {
    expect(criticalPathMs(needIndexes(diamond), [0, 5000, 2000, 1000])).toBe(6000);
    expect(criticalPathMs(needIndexes([{ id: 'a' }, { id: 'b' }, { id: 'c' }]), [1000, 2000, 3000])).toBe(6000);
    expect(criticalPathMs(needIndexes(diamond), [0, null, 2000, 1000])).toBeNull();
  });
});
