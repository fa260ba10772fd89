import { describe, it, expect } from 'vitest';
import { parseProtocolLine, PROTOCOL_PREFIX } from '../../src/shared/stage-protocol.js';

const malformed = { kind: 'malformed', reason: expect.any(String) };

describe('parseProtocolLine', () => {
  it('uses the ::pipe: prefix', () => {
    expect(PROTOCOL_PREFIX).toBe('::pipe:');
  });

  describe('progress', () => {
    it('reads CURRENT/TOTAL and a message', () => {
      expect(parseProtocolLine('::pipe:progress 3/10 Synthesizing segments')).toEqual({
        kind: 'progress',
        current: 3,
        total: 10,
        message: 'Synthesizing segments',
      });
    });

    it('gives a null message when there is none', () => {
      expect(parseProtocolLine('::pipe:progress 3/10')).toEqual({ kind: 'progress', current: 3, total: 10, message: null });
      expect(parseProtocolLine('::pipe:progress 3/10   ')).toEqual({ kind: 'progress', current: 3, total: 10, message: null });
    });

    it('accepts decimals, zero done, done equal to total, and spaces around the slash', () => {
      expect(parseProtocolLine('::pipe:progress 1.5/4.25 half')).toEqual({ kind: 'progress', current: 1.5, total: 4.25, message: 'half' });
      expect(parseProtocolLine('::pipe:progress 0/3')).toMatchObject({ kind: 'progress', current: 0, total: 3 });
      expect(parseProtocolLine('::pipe:progress 3/3 done')).toMatchObject({ kind: 'progress', current: 3, total: 3, message: 'done' });
      expect(parseProtocolLine('::pipe:progress 2 / 5')).toMatchObject({ kind: 'progress', current: 2, total: 5 });
    });

    it('keeps the inner spacing of the message', () => {
      expect(parseProtocolLine('::pipe:progress 1/2 a  b\tc')).toMatchObject({ message: 'a  b\tc' });
    });

    it.each([
      ['current above total', '::pipe:progress 5/3'],
      ['zero total', '::pipe:progress 0/0'],
      ['not numbers', '::pipe:progress abc'],
      ['no total', '::pipe:progress 3'],
      ['negative', '::pipe:progress -1/3'],
      ['nothing', '::pipe:progress'],
      ['number glued to the message', '::pipe:progress 1/3x'],
    ])('is malformed with %s', (_name, line) => {
      expect(parseProtocolLine(line)).toEqual(malformed);
    });
  });

  describe('entity', () => {
    it('reads TYPE PATH without metadata as an empty object', () => {
      expect(parseProtocolLine('::pipe:entity transcript out/transcript.txt')).toEqual({
        kind: 'entity',
        type: 'transcript',
        path: 'out/transcript.txt',
        metadata: {},
      });
    });

    it('reads TYPE PATH JSON', () => {
      expect(parseProtocolLine('::pipe:entity transcript out/transcript.txt {"model":"whisper-small","n":2}')).toEqual({
        kind: 'entity',
        type: 'transcript',
        path: 'out/transcript.txt',
        metadata: { model: 'whisper-small', n: 2 },
      });
    });

    it.each([
      ['a type with a path in it', '::pipe:entity ../x out.txt'],
      ['a type with a slash', '::pipe:entity a/b out.txt'],
      ['a type starting with a dot', '::pipe:entity .hidden out.txt'],
      ['no path', '::pipe:entity transcript'],
      ['nothing at all', '::pipe:entity'],
      ['metadata that is an array', '::pipe:entity transcript out.txt [1,2]'],
      ['metadata that is a string', '::pipe:entity transcript out.txt "x"'],
      ['metadata that is null', '::pipe:entity transcript out.txt null'],
      ['metadata that is not JSON', '::pipe:entity transcript out.txt {model: whisper}'],
    ])('is malformed with %s', (_name, line) => {
      expect(parseProtocolLine(line)).toEqual(malformed);
    });
  });

  describe('cost', () => {
    it('reads a non-negative number', () => {
      expect(parseProtocolLine('::pipe:cost 0.02')).toEqual({ kind: 'cost', usd: 0.02 });
      expect(parseProtocolLine('::pipe:cost 3')).toEqual({ kind: 'cost', usd: 3 });
      expect(parseProtocolLine('::pipe:cost 0')).toEqual({ kind: 'cost', usd: 0 });
    });

    it.each([
      ['negative', '::pipe:cost -1'],
      ['negative decimal', '::pipe:cost -0.5'],
      ['not a number', '::pipe:cost lots'],
      ['a currency sign', '::pipe:cost $0.02'],
      ['trailing words', '::pipe:cost 0.02 usd'],
      ['nothing', '::pipe:cost'],
      ['NaN', '::pipe:cost NaN'],
      ['Infinity', '::pipe:cost Infinity'],
    ])('is malformed when %s', (_name, line) => {
      expect(parseProtocolLine(line)).toEqual(malformed);
    });
  });

  describe('error', () => {
    it('keeps the stage’s own code and the rest as the message', () => {
      expect(parseProtocolLine('::pipe:error ERR_EMBEDDINGS_MISSING embeddings.parquet is empty')).toEqual({
        kind: 'error',
        code: 'ERR_EMBEDDINGS_MISSING',
        message: 'embeddings.parquet is empty',
      });
    });

    it('uses the code as the message when there is none', () => {
      expect(parseProtocolLine('::pipe:error ERR_X')).toEqual({ kind: 'error', code: 'ERR_X', message: 'ERR_X' });
    });

    it.each([
      ['no ERR_ code', '::pipe:error something went wrong'],
      ['a lower-case code', '::pipe:error ERR_lower case'],
      ['a bare ERR_', '::pipe:error ERR_ nothing'],
      ['nothing', '::pipe:error'],
    ])('is malformed with %s', (_name, line) => {
      expect(parseProtocolLine(line)).toEqual(malformed);
    });
  });

  describe('checkpoint', () => {
    it('reads a JSON object', () => {
      expect(parseProtocolLine('::pipe:checkpoint {"segments": 12, "done": ["a"]}')).toEqual({
        kind: 'checkpoint',
        data: { segments: 12, done: ['a'] },
      });
      expect(parseProtocolLine('::pipe:checkpoint {}')).toEqual({ kind: 'checkpoint', data: {} });
    });

    it.each([
      ['an array', '::pipe:checkpoint [1,2]'],
      ['a number', '::pipe:checkpoint 12'],
      ['null', '::pipe:checkpoint null'],
      ['invalid JSON', '::pipe:checkpoint {"segments": '],
      ['nothing', '::pipe:checkpoint'],
    ])('is malformed with %s', (_name, line) => {
      expect(parseProtocolLine(line)).toEqual(malformed);
    });
  });

  describe('malformed lines', () => {
    it('names an unknown verb in the reason', () => {
      const parsed = parseProtocolLine('::pipe:frobnicate 1 2 3');
      expect(parsed).toEqual(malformed);
      expect(parsed && parsed.kind === 'malformed' ? parsed.reason : '').toContain('frobnicate');
    });

    it('treats a bare prefix and a wrong-case verb as malformed', () => {
      expect(parseProtocolLine('::pipe:')).toEqual(malformed);
      expect(parseProtocolLine('::pipe:Progress 1/2')).toEqual(malformed);
    });

    it('clips a very long bad value in the reason', () => {
      const parsed = parseProtocolLine(`::pipe:cost ${'9'.repeat(500)}x`);
      expect(parsed).toEqual(malformed);
      expect(parsed && parsed.kind === 'malformed' ? parsed.reason.length : Infinity).toBeLessThan(200);
    });
  });

  describe('surrounding whitespace', () => {
    it('accepts leading whitespace', () => {
      expect(parseProtocolLine('   ::pipe:cost 1')).toEqual({ kind: 'cost', usd: 1 });
      expect(parseProtocolLine('\t::pipe:progress 1/2 x')).toMatchObject({ kind: 'progress', message: 'x' });
    });

    it('accepts LF and CRLF endings without putting them in values', () => {
      expect(parseProtocolLine('::pipe:progress 1/2 step one\r\n')).toEqual({ kind: 'progress', current: 1, total: 2, message: 'step one' });
      expect(parseProtocolLine('::pipe:error ERR_X broke\r\n')).toEqual({ kind: 'error', code: 'ERR_X', message: 'broke' });
      expect(parseProtocolLine('::pipe:cost 0.5\n')).toEqual({ kind: 'cost', usd: 0.5 });
      expect(parseProtocolLine('::pipe:entity t out.txt\r\n')).toEqual({ kind: 'entity', type: 't', path: 'out.txt', metadata: {} });
    });
  });

  describe('plain lines', () => {
    it.each([
      ['an empty line', ''],
      ['ordinary output', 'Downloading 3/10 files'],
      ['the marker later in the line', 'echo ::pipe:cost 1'],
      ['a near miss', ':pipe:cost 1'],
      ['another prefix', '::set-output name=x::1'],
      ['a different case prefix', '::PIPE:cost 1'],
    ])('returns null for %s', (_name, line) => {
      expect(parseProtocolLine(line)).toBeNull();
    });
  });
});
