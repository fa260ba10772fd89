import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logMatcher, searchLog } from '../../src/workspace/log-search.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

async function search(content: string, pattern: string, regex = false): Promise<string[]> {
  const file = path.join(await tempWorkspace(), 'log');
  await writeFile(file, content);
  const handle = await open(file);
  try {
    const found: string[] = [];
    for await (const batch of searchLog(handle, logMatcher(pattern, regex))) found.push(...batch.map((m) => m.text));
    return found;
  } finally {
    await handle.close();
  }
}

describe('searching a log as it is shown', () => {
  it('finds needles near the start, the middle and the end of a log larger than a chunk, each line once', async () => {
    const filler = (n: number, from: number) => Array.from({ length: n }, (_, i) => `line ${from + i} nothing here`).join('\n');
    const log = `needle at the start needle\n${filler(120_000, 1)}\nthe middle needle\n${filler(120_000, 200_000)}\nneedle at the end`;
    expect(log.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(await search(log, 'needle')).toEqual(['needle at the start needle', 'the middle needle', 'needle at the end']);
  });

  it('is smart about case, and reads a regular expression when asked', async () => {
    const log = 'Error one\nerror two\nERROR three\nfine\n';
    expect(await search(log, 'error')).toEqual(['Error one', 'error two', 'ERROR three']);
    expect(await search(log, 'Error')).toEqual(['Error one']);
    expect(await search(log, '^e.*o$', true)).toEqual(['error two']);
    expect(await search(log, 'a.c')).toEqual([]);
    expect(() => logMatcher('(', true)).toThrow(/ERR_USAGE|not a regular expression/);
  });

  it('matches the text as shown: the last \\r frame, without its colours', async () => {
    const log = 'progress 10%\rprogress 100% needle\n\x1b[31mreal\x1b[0m trouble\nold needle\rnew text\n';
    expect(await search(log, 'needle')).toEqual(['progress 100% needle']);
    expect(await search(log, 'real trouble')).toEqual(['real trouble']);
  });

  it('finds a pattern beyond ASCII, line by line', async () => {
    expect(await search('naïve café\nplain\n', 'café')).toEqual(['naïve café']);
  });
});
