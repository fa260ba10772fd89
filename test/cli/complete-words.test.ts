import { describe, expect, it } from 'vitest';
import { STATUS_WORDS, completeWords } from '../../src/cli/complete-words.js';
import { RUN_STATUSES } from '../../src/shared/metadata-schema.js';

const sources = { runs: async () => ['20261125-080000-000-w71vuq'], pipelines: async () => ['podcast'] };

describe('completion words', () => {
  // Written out so that a Tab does not load zod; this holds them to the schema.
  it('offers for --status every run status and every way a run is listed unreadable', async () => {
    expect(STATUS_WORDS).toEqual([...RUN_STATUSES, 'corrupt', 'newer', 'incomplete']);
    expect(await completeWords(['prune', '--status', 'f'], sources)).toEqual(['failed']);
  });

  it('leaves a value it cannot list (a folder, a number, key=value) to the shell', async () => {
    expect(await completeWords(['--workspace', ''], sources)).toEqual([]);
    expect(await completeWords(['ls', '--limit', ''], sources)).toEqual([]);
    expect(await completeWords(['rerun', 'w71vuq', '-p', ''], sources)).toEqual([]);
    expect(await completeWords(['validate', ''], sources)).toEqual([]);
    // bash hands `--workspace=/w` over as three words.
    const seen: (string | undefined)[] = [];
    const spy = { runs: async (ws: string | undefined) => (seen.push(ws), ['20261125-080000-000-w71vuq']), pipelines: sources.pipelines };
    expect(await completeWords(['--workspace', '=', '/w', 'status', 'w7'], spy)).toEqual(['w71vuq']);
    expect(seen).toEqual(['/w']);
    // After a value, the next word is completed again.
    expect(await completeWords(['ls', '--limit', '3', '--st'], sources)).toEqual(['--status']);
  });
});
