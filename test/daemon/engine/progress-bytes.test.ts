import { describe, expect, it } from 'vitest';
import { readProgress } from '../../../src/daemon/engine/progress-bytes.js';
import { parseProtocolLine } from '../../../src/shared/stage-protocol.js';

const LINES = [
  '::pipe:progress 3/10 Synthesizing segments\n',
  '::pipe:progress 3/10\n',
  '::pipe:progress 3/10\r\n',
  '::pipe:progress 0/1 \n',
  '::pipe:progress 10/10   spaced out  \n',
  '::pipe:progress 1/2 ünïcødé ✔\n',
  '::pipe:progress 5/3 too far\n',
  '::pipe:progress 0/0\n',
  '::pipe:progress 1.5/3 decimal\n',
  '::pipe:progress 3 / 10 spaced\n',
  '::pipe:progress 3/10x\n',
  '::pipe:progress /10\n',
  '::pipe:progress abc\n',
  '::pipe:progress 3/10',
  '::pipe:progressive 3/10\n',
];

describe('readProgress, the byte-level fast path', () => {
  it.each(LINES)('agrees with parseProtocolLine whenever it answers: %j', (line) => {
    const fast = readProgress(Buffer.from(line), 0, Buffer.byteLength(line));
    if (fast) expect(fast).toEqual(parseProtocolLine(line));
    else expect(parseProtocolLine(line)?.kind === 'progress' && /\d\.\d| \/ /.test(line)).toBe(parseProtocolLine(line)?.kind === 'progress');
  });

  it('answers the common forms itself', () => {
    for (const line of LINES.slice(0, 6)) expect(readProgress(Buffer.from(line), 0, Buffer.byteLength(line))).not.toBeNull();
  });

  it('reads a line in the middle of a buffer', () => {
    const buffer = Buffer.from('plain\n::pipe:progress 7/9 mid\nmore\n');
    expect(readProgress(buffer, 6, 30)).toEqual({ kind: 'progress', current: 7, total: 9, message: 'mid' });
  });
});
