import { describe, expect, it } from 'vitest';
import { readProgress } from '../../src/daemon/engine/progress-bytes.js';
import { MAX_COST_USD, MAX_PROGRESS_NUMBER, parseProtocolLine } from '../../src/shared/stage-protocol.js';

// A number too large for a double becomes Infinity, which JSON writes as null: metadata.json would then be refused
// by its own schema. Such lines must be malformed (warned and ignored), never folded into the state.
const NINES = '9'.repeat(400);

const fast = (line: string) => readProgress(Buffer.from(line), 0, Buffer.byteLength(line));

describe('numbers in protocol lines are bounded', () => {
  it.each([
    ['a total of 400 nines', `::pipe:progress 1/${NINES}`],
    ['both of 400 nines', `::pipe:progress ${NINES}/${NINES} x`],
    ['a total one above the largest safe integer', '::pipe:progress 1/9007199254740992'],
    ['a decimal total above the bound', '::pipe:progress 1/9007199254740992.5'],
  ])('progress with %s is malformed, naming the bound', (_name, line) => {
    const parsed = parseProtocolLine(line);
    expect(parsed).toMatchObject({ kind: 'malformed', reason: expect.stringContaining(String(MAX_PROGRESS_NUMBER)) });
    // The fast path never accepts what the full parser refuses.
    expect(fast(`${line}\n`)).toBeNull();
  });

  it('accepts progress up to the largest safe integer, and tiny decimals', () => {
    expect(parseProtocolLine('::pipe:progress 9007199254740991/9007199254740991')).toMatchObject({ kind: 'progress', current: MAX_PROGRESS_NUMBER, total: MAX_PROGRESS_NUMBER });
    expect(parseProtocolLine(`::pipe:progress 0.${'0'.repeat(400)}1/1`)).toMatchObject({ kind: 'progress', current: 0, total: 1 });
  });

  it('the fast path answers up to 15 digits and leaves longer numbers to the full parser', () => {
    expect(fast('::pipe:progress 999999999999999/999999999999999 m\n')).toEqual({ kind: 'progress', current: 999_999_999_999_999, total: 999_999_999_999_999, message: 'm' });
    expect(fast('::pipe:progress 1/1000000000000000\n')).toBeNull();
    expect(parseProtocolLine('::pipe:progress 1/1000000000000000')).toMatchObject({ kind: 'progress', total: 1e15 });
  });

  it.each([
    ['400 digits', `::pipe:cost ${NINES}`],
    ['a billion and a cent', '::pipe:cost 1000000000.01'],
  ])('cost of %s is malformed, naming the bound', (_name, line) => {
    expect(parseProtocolLine(line)).toMatchObject({ kind: 'malformed', reason: expect.stringContaining(String(MAX_COST_USD)) });
  });

  it('accepts a cost up to the bound', () => {
    expect(parseProtocolLine('::pipe:cost 1000000000')).toEqual({ kind: 'cost', usd: 1e9 });
    expect(parseProtocolLine(`::pipe:cost 0.${'0'.repeat(400)}1`)).toEqual({ kind: 'cost', usd: 0 });
  });

  it('cuts a long number in the warning', () => {
    const parsed = parseProtocolLine(`::pipe:cost ${NINES}`);
    expect(parsed?.kind === 'malformed' && parsed.reason.length).toBeLessThan(200);
  });
});
