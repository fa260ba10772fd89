import { describe, it, expect } from 'vitest';
import { seededRandom as rng } from '../../helpers/seeded-random.js';
import { MAX_PROTOCOL_LINE, OutputRouter } from '../../../src/daemon/engine/output-router.js';
import type { ProtocolLine } from '../../../src/shared/stage-protocol.js';

type Stream = 'stdout' | 'stderr';

// A router with everything it writes and delivers recorded.
function harness() {
  const writes: Buffer[] = [];
  const lines: ProtocolLine[] = [];
  const router = new OutputRouter(
    (data) => writes.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)),
    (line) => lines.push(line),
  );
  return {
    router,
    writes,
    lines,
    push: (data: string | Buffer, stream: Stream = 'stdout') => router.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, stream),
    bytes: () => Buffer.concat(writes),
    log: () => Buffer.concat(writes).toString('utf8'),
  };
}


// Cuts a buffer into pieces of random length (1..max bytes).
function randomPieces(data: Buffer, random: () => number, max: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = 1 + Math.floor(random() * max);
    pieces.push(data.subarray(i, i + n));
    i += n;
  }
  return pieces;
}

// Mixed output: plain lines (some with multi-byte UTF-8 and CRLF), protocol lines with UTF-8 messages, and a
// plain line that merely mentions the marker.
const MIXED = [
  'Starting… ✓ naïve café\n',
  '::pipe:progress 1/3 Synthèse des segments — 🎙️\n',
  'plain line\r\n',
  'echo ::pipe:cost 9\n',
  '::pipe:cost 0.02\r\n',
  '日本語のログ\n',
  '  ::pipe:entity transcript out/transcript.txt {"model":"whisper-small","lang":"ü"}\n',
  '::pipe:checkpoint {"segments": 12}\n',
  '::pipe:error ERR_EMBEDDINGS_MISSING embeddings.parquet is empty\n',
  'last line\n',
].join('');
const MIXED_LOG = ['Starting… ✓ naïve café\n', 'plain line\r\n', 'echo ::pipe:cost 9\n', '日本語のログ\n', 'last line\n'].join('');
const MIXED_LINES: ProtocolLine[] = [
  { kind: 'progress', current: 1, total: 3, message: 'Synthèse des segments — 🎙️' },
  { kind: 'cost', usd: 0.02 },
  { kind: 'entity', type: 'transcript', path: 'out/transcript.txt', metadata: { model: 'whisper-small', lang: 'ü' } },
  { kind: 'checkpoint', data: { segments: 12 } },
  { kind: 'error', code: 'ERR_EMBEDDINGS_MISSING', message: 'embeddings.parquet is empty' },
];

describe('OutputRouter', () => {
  it('passes a chunk without the marker to the log whole, byte for byte', () => {
    const h = harness();
    const chunk = Buffer.from('one\ntwo\r\nthree ✓\n', 'utf8');
    h.push(chunk);
    expect(h.writes).toHaveLength(1);
    expect(h.bytes().equals(chunk)).toBe(true);
    expect(h.lines).toEqual([]);
  });

  it('delivers protocol lines and logs only the others, in order', () => {
    const h = harness();
    h.push(MIXED);
    h.router.end();
    expect(h.log()).toBe(MIXED_LOG);
    expect(h.lines).toEqual(MIXED_LINES);
  });

  it('gives the same result whatever byte the input is split at (marker and UTF-8 sequences included)', () => {
    const data = Buffer.from(MIXED, 'utf8');
    const markerAt = MIXED.indexOf('::pipe:');
    expect(markerAt).toBeGreaterThanOrEqual(0);
    for (let cut = 0; cut <= data.length; cut++) {
      const h = harness();
      h.push(data.subarray(0, cut));
      h.push(data.subarray(cut));
      h.router.end();
      expect(h.log(), `split at byte ${cut}`).toBe(MIXED_LOG);
      expect(h.lines, `split at byte ${cut}`).toEqual(MIXED_LINES);
    }
  });

  it('gives the same result fed one byte at a time', () => {
    const h = harness();
    const data = Buffer.from(MIXED, 'utf8');
    for (let i = 0; i < data.length; i++) h.push(data.subarray(i, i + 1));
    h.router.end();
    expect(h.log()).toBe(MIXED_LOG);
    expect(h.lines).toEqual(MIXED_LINES);
  });

  it('gives the same result for many random chunkings', () => {
    const random = rng(42);
    const data = Buffer.from(MIXED, 'utf8');
    for (let round = 0; round < 200; round++) {
      const h = harness();
      for (const piece of randomPieces(data, random, 40)) h.push(piece);
      h.router.end();
      expect(h.log(), `round ${round}`).toBe(MIXED_LOG);
      expect(h.lines, `round ${round}`).toEqual(MIXED_LINES);
    }
  });

  it('keeps stdout and stderr apart: a line half-written on one is not joined to the other', () => {
    const h = harness();
    h.push('::pi', 'stdout');
    h.push('plain on stderr\n::pipe:cost ', 'stderr');
    h.push('pe:progress 1/2 half\n', 'stdout');
    h.push('0.5\n', 'stderr');
    expect(h.log()).toBe('plain on stderr\n');
    expect(h.lines).toEqual([
      { kind: 'progress', current: 1, total: 2, message: 'half' },
      { kind: 'cost', usd: 0.5 },
    ]);
  });

  it('routes randomly interleaved chunks of both streams without mixing lines', () => {
    const random = rng(7);
    const make = (tag: string): { text: string; plain: string[]; costs: number[] } => {
      const plain: string[] = [];
      const costs: number[] = [];
      let text = '';
      for (let i = 0; i < 60; i++) {
        if (i % 3 === 0) {
          costs.push(i);
          text += `::pipe:cost ${i}\n`;
        } else {
          const line = `${tag} line ${i} ✓ ${'é'.repeat(i % 7)}`;
          plain.push(line);
          text += `${line}\n`;
        }
      }
      return { text, plain, costs };
    };
    const out = make('out');
    const err = make('err');
    for (let round = 0; round < 50; round++) {
      const h = harness();
      const queues: Record<Stream, Buffer[]> = {
        stdout: randomPieces(Buffer.from(out.text), random, 30),
        stderr: randomPieces(Buffer.from(err.text), random, 30),
      };
      while (queues.stdout.length > 0 || queues.stderr.length > 0) {
        const stream: Stream = queues.stderr.length === 0 || (queues.stdout.length > 0 && random() < 0.5) ? 'stdout' : 'stderr';
        const piece = queues[stream].shift();
        if (piece) h.push(piece, stream);
      }
      h.router.end();
      const logged = h.log().split('\n').slice(0, -1);
      expect(logged.filter((l) => l.startsWith('out ')), `round ${round}`).toEqual(out.plain);
      expect(logged.filter((l) => l.startsWith('err ')), `round ${round}`).toEqual(err.plain);
      expect(logged).toHaveLength(out.plain.length + err.plain.length);
      const costs = h.lines.map((l) => (l.kind === 'cost' ? l.usd : -1));
      expect([...costs].sort((a, b) => a - b)).toEqual([...out.costs, ...err.costs].sort((a, b) => a - b));
    }
  });

  it('logs a warning for a malformed line, with its reason and text, and delivers nothing', () => {
    const h = harness();
    h.push('before\n::pipe:progress 5/3 too far\n::pipe:frobnicate now\r\nafter\n');
    const log = h.log().split('\n');
    expect(log[0]).toBe('before');
    expect(log[1]).toMatch(/^\[pipe-tui\] warning: malformed ::pipe: line ignored \(.*out of range.*\): ::pipe:progress 5\/3 too far$/);
    expect(log[2]).toMatch(/warning: .*frobnicate.*: ::pipe:frobnicate now$/);
    expect(log[3]).toBe('after');
    expect(h.lines).toEqual([]);
  });

  it('passes a 1 MB line through to the log as it comes, and does not parse a marker later on that line', () => {
    const h = harness();
    const big = Buffer.alloc(1024 * 1024, 'x');
    h.push(big);
    // Nothing of a line longer than the protocol limit is held back.
    expect(h.bytes().length).toBe(big.length);
    h.push(' ::pipe:cost 1 and ::pipe:cost 2 on the same line\n');
    h.push('::pipe:cost 3\n');
    h.router.end();
    expect(h.lines).toEqual([{ kind: 'cost', usd: 3 }]);
    const log = h.log();
    expect(log.length).toBe(big.length + ' ::pipe:cost 1 and ::pipe:cost 2 on the same line\n'.length);
    expect(log.endsWith('x ::pipe:cost 1 and ::pipe:cost 2 on the same line\n')).toBe(true);
  });

  it('never holds back more than the protocol limit of a long line arriving in small chunks', () => {
    const h = harness();
    const piece = Buffer.alloc(64 * 1024, 'y');
    let pushed = 0;
    for (let i = 0; i < 16; i++) {
      h.push(piece);
      pushed += piece.length;
      expect(pushed - h.bytes().length).toBeLessThanOrEqual(MAX_PROTOCOL_LINE);
    }
    // The long line's end, then a real protocol line in the same chunk.
    h.push('::pipe:cost 1\nnext\n::pipe:cost 2\n');
    h.router.end();
    expect(h.lines).toEqual([{ kind: 'cost', usd: 2 }]);
    expect(h.log()).toBe(`${'y'.repeat(pushed)}::pipe:cost 1\nnext\n`);
  });

  it('does not parse a line that starts with the marker but grows past the protocol limit', () => {
    const h = harness();
    h.push(`::pipe:checkpoint {"pad":"`);
    for (let i = 0; i < 10; i++) h.push(Buffer.alloc(64 * 1024, 'z'));
    h.push('"}\n::pipe:cost 1\n');
    h.router.end();
    expect(h.lines).toEqual([{ kind: 'cost', usd: 1 }]);
    expect(h.log().startsWith('::pipe:checkpoint {"pad":"zzz')).toBe(true);
    expect(h.log().endsWith('zzz"}\n')).toBe(true);
  });

  it('survives random binary garbage and logs every byte of it', () => {
    const random = rng(1234);
    for (let round = 0; round < 20; round++) {
      const h = harness();
      const data = Buffer.alloc(20_000 + Math.floor(random() * 20_000));
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
      const stream: Stream = round % 2 === 0 ? 'stdout' : 'stderr';
      expect(() => {
        for (const piece of randomPieces(data, random, 4096)) h.push(piece, stream);
        h.router.end();
      }).not.toThrow();
      const expected = data[data.length - 1] === 0x0a ? data : Buffer.concat([data, Buffer.from('\n')]);
      expect(h.bytes().equals(expected), `round ${round}`).toBe(true);
      expect(h.lines).toEqual([]);
    }
  });

  it('survives garbage after the marker: a warning, never a throw', () => {
    const h = harness();
    const garbage = Buffer.from([0x3a, 0x3a, 0x70, 0x69, 0x70, 0x65, 0x3a, 0xff, 0xfe, 0x00, 0xc3, 0x0a]); // "::pipe:" + bad bytes
    const cost = Buffer.concat([Buffer.from('::pipe:cost '), Buffer.from([0xe2, 0x82]), Buffer.from('\n')]);
    expect(() => {
      h.push(garbage);
      h.push(cost, 'stderr');
      h.router.end();
    }).not.toThrow();
    const log = h.log().split('\n');
    expect(log[0]).toMatch(/^\[pipe-tui\] warning: malformed ::pipe: line ignored/);
    expect(log[1]).toMatch(/^\[pipe-tui\] warning: malformed ::pipe: line ignored \(cost needs/);
    expect(h.lines).toEqual([]);
  });

  it('logs a line redrawn with \\r at once, unfinished, and ends it before the other stream writes', () => {
    const h = harness();
    h.push('\r  0%|          | 0/10', 'stderr');
    expect(h.log()).toBe('\r  0%|          | 0/10');
    h.push('\r 10%|█         | 1/10', 'stderr');
    expect(h.log()).toBe('\r  0%|          | 0/10\r 10%|█         | 1/10');
    h.push('INFO step 1\n', 'stdout');
    h.push('\r 20%|██        | 2/10\n', 'stderr');
    expect(h.log()).toBe('\r  0%|          | 0/10\r 10%|█         | 1/10\nINFO step 1\n\r 20%|██        | 2/10\n');
    expect(h.lines).toEqual([]);
  });

  it('still holds a line starting with \\r that may be a protocol line', () => {
    const h = harness();
    h.push('\r::pipe:progr');
    expect(h.log()).toBe('');
    h.push('ess 1/2\n');
    expect(h.lines).toEqual([{ kind: 'progress', current: 1, total: 2, message: null }]);
  });

  it('holds a partial line until end(), which logs it with a newline', () => {
    const h = harness();
    h.push('done\npartial', 'stdout');
    h.push('err partial', 'stderr');
    expect(h.log()).toBe('done\n');
    h.router.end();
    const log = h.log();
    expect(log.startsWith('done\n')).toBe(true);
    expect(log.split('\n').slice(1).sort()).toEqual(['', 'err partial', 'partial']);
  });

  it('delivers a protocol line left without a newline at end()', () => {
    const h = harness();
    h.push('::pipe:progress 2/2 last');
    expect(h.lines).toEqual([]);
    h.router.end();
    expect(h.lines).toEqual([{ kind: 'progress', current: 2, total: 2, message: 'last' }]);
  });

  it('adds nothing at end() when every line was complete', () => {
    const h = harness();
    h.push('a\n::pipe:cost 1\n');
    h.router.end();
    expect(h.log()).toBe('a\n');
  });

  it('writes nothing to the log for a protocol line left without a newline at end()', () => {
    const h = harness();
    h.push('::pipe:cost 1');
    h.router.end();
    expect(h.lines).toEqual([{ kind: 'cost', usd: 1 }]);
    expect(h.log()).toBe('');
  });

  it('ends the log with a newline after a long partial line at end()', () => {
    const h = harness();
    h.push(Buffer.alloc(MAX_PROTOCOL_LINE + 10, 'x'));
    h.router.end();
    expect(h.log().endsWith('x\n')).toBe(true);
  });
});
