import path from 'node:path';
import { execa } from 'execa';
import { afterEach, expect, it } from 'vitest';
import { removeWorkspaces, runIn, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

// A separate process re-reads metadata.json as fast as it can while the run floods it with progress.
const READER = `
const fs = require('node:fs');
const file = process.argv[1];
let reads = 0, invalid = 0, missing = 0;
const stop = Date.now() + Number(process.argv[2]);
while (Date.now() < stop) {
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch { missing++; continue; }
  reads++;
  try { JSON.parse(text); } catch { invalid++; }
}
console.log(JSON.stringify({ reads, invalid, missing }));
`;

it('never shows a reader a partial metadata.json during a busy run', async () => {
  const ws = await tempWorkspace({
    busy: `stages:
  - id: flood
    run: 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); echo "::pipe:progress $i/20000 working"; echo "::pipe:cost 0.000001"; done'
  - id: more
    run: 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "::pipe:checkpoint {\\"i\\":$i}"; sleep 0.05; done'
`,
  });
  let reader: ReturnType<typeof execa> | null = null;
  const { final } = await runIn(ws, 'busy', {
    onStart: (recorder) => {
      reader = execa('node', ['-e', READER, path.join(recorder.dir, 'metadata.json'), '3000']);
    },
  });
  expect(final.status).toBe('succeeded');
  const result = await waitFor('the reader to finish', () => reader);
  const counts = JSON.parse(String((await result).stdout)) as { reads: number; invalid: number; missing: number };
  expect(counts.reads).toBeGreaterThan(100);
  expect(counts.invalid).toBe(0);
  expect(counts.missing).toBe(0);
});
