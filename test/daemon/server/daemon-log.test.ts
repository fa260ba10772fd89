import { describe, expect, it } from 'vitest';
import { asLines, stamped } from '../../../src/daemon/server/daemon-log.js';

const AT = new Date('2026-11-24T09:00:00.000Z');

describe('daemon.log lines', () => {
  it('end every line in exactly one newline, whatever the writer gave', () => {
    expect(asLines('no newline')).toBe('no newline\n');
    expect(asLines('one\n')).toBe('one\n');
    expect(asLines('two\n\n')).toBe('two\n');
    expect(asLines('crlf\r\nand cr\rend')).toBe('crlf\nand cr\nend\n');
    expect(asLines('\n \n')).toBe('');
  });

  it('stamp each line of a message of several lines (a stack), not only its first', () => {
    expect(stamped('uncaught: Error: boom\n    at f (x.js:1:1)\n', AT)).toBe(
      '2026-11-24T09:00:00.000Z uncaught: Error: boom\n2026-11-24T09:00:00.000Z     at f (x.js:1:1)\n',
    );
  });
});
