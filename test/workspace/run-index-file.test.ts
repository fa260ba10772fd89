import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackwardsRead, readAppendedLines, readLinesBackwards, readLinesBackwardsAsync } from '../../src/workspace/run-index-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fileOf(text: string | null): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'run-index-file-'));
  dirs.push(dir);
  const file = path.join(dir, 'runs.ndjson');
  if (text !== null) writeFileSync(file, text);
  return file;
}

type Read = { lines: string[] } & Omit<BackwardsRead, 'inode'>;

const readers: [string, (file: string, chunkBytes: number, more?: (lines: string[]) => boolean) => Promise<Read>][] = [
  ['readLinesBackwards', async (file, chunkBytes, more = () => true) => {
    const lines: string[] = [];
    const { exists, offset } = readLinesBackwards(file, (line) => lines.push(line), () => more(lines), chunkBytes);
    return { lines, exists, offset };
  }],
  ['readLinesBackwardsAsync', async (file, chunkBytes, more = () => true) => {
    const lines: string[] = [];
    const { exists, offset } = await readLinesBackwardsAsync(file, (line) => lines.push(line), () => more(lines), chunkBytes);
    return { lines, exists, offset };
  }],
];

describe.each(readers)('%s', (_name, read) => {
  it('hands out lines that span chunk borders whole, last first', async () => {
    // Lines of 1 to 20 bytes read 7 at a time: some end in a chunk, some span three.
    const text = 'a\nbcdefghijklmnopqrst\nuv\n\nwxyz0123\n';
    expect(await read(fileOf(text), 7)).toEqual({ lines: ['wxyz0123', 'uv', 'bcdefghijklmnopqrst', 'a'], exists: true, offset: text.length });
    expect(await read(fileOf(text), 1 << 20)).toEqual({ lines: ['wxyz0123', 'uv', 'bcdefghijklmnopqrst', 'a'], exists: true, offset: text.length });
  });

  it('leaves an unterminated last line, and its offset stops before it', async () => {
    const whole = 'first line\nsecond\n';
    for (const chunkBytes of [3, 7, 1 << 20]) {
      expect(await read(fileOf(`${whole}{"run_id":"half-writ`), chunkBytes)).toEqual({ lines: ['second', 'first line'], exists: true, offset: whole.length });
    }
  });

  it('finds no line in a file of one unterminated line, or an empty one', async () => {
    expect(await read(fileOf('no newline yet'), 4)).toEqual({ lines: [], exists: true, offset: 0 });
    expect(await read(fileOf(''), 7)).toEqual({ lines: [], exists: true, offset: 0 });
  });

  it('says there is no file', async () => {
    expect(await read(fileOf(null), 7)).toEqual({ lines: [], exists: false, offset: 0 });
  });

  it('stops reading when more() says so, after the chunk it is in', async () => {
    const text = 'aaaa\nbbbb\ncccc\ndddd\n';
    expect((await read(fileOf(text), 5, (lines) => lines.length < 2)).lines).toEqual(['dddd', 'cccc']);
  });
});

describe('readAppendedLines', () => {
  it('reads the whole lines after an offset, leaves a partial last line, and skips empty lines', () => {
    const head = 'old line\n';
    const file = fileOf(`${head}one\n\ntwo\nthree-being-wri`);
    const read = readAppendedLines(file, head.length);
    expect(read && { lines: read.lines, consumed: read.consumed }).toEqual({ lines: ['one', 'two'], consumed: 'one\n\ntwo\n'.length });
    expect(readAppendedLines(file, head.length + 'one\n\ntwo\n'.length)?.lines).toEqual([]);
    expect(readAppendedLines(file, head.length + 'one\n\ntwo\n'.length)?.consumed).toBe(0);
  });

  it('is null without a file', () => {
    expect(readAppendedLines(fileOf(null), 0)).toBeNull();
  });
});
