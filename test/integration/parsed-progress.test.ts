import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunMetadata } from '../../src/shared/metadata-schema.js';
import { runDir } from '../../src/workspace/layout.js';
import { listRunIds } from '../../src/workspace/run-reader.js';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const REPO = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(REPO, 'test/fixtures/progress/tqdm-known-total.stderr');

async function runOnce(ws: string, pipeline: string): Promise<RunMetadata> {
  const ran = await cli(['run', pipeline, '--foreground', '--workspace', ws]);
  expect(ran.exitCode, String(ran.stderr)).toBe(0);
  const [id] = await listRunIds(ws);
  return RunMetadata.parse(JSON.parse(readFileSync(path.join(runDir(ws, id as string), 'metadata.json'), 'utf8')));
}

describe('progress read from what unmodified programs print', () => {
  it('reads the example pipeline’s tqdm-style bar and ffmpeg stats, with the programs’ own rates', async () => {
    const ws = await tempWorkspace();
    cpSync(path.join(REPO, 'pipelines'), path.join(ws, 'pipelines'), { recursive: true });
    const run = await runOnce(ws, 'train');
    const [train, encode] = run.stages;
    expect(train?.progress).toMatchObject({ current: 60, total: 60, message: 'epoch 1' });
    expect(train?.progress?.rate_per_s).toBeGreaterThan(0);
    // ffmpeg's progress is media time: 6 s of its 6 s Duration, at speed=1.00x.
    expect(encode?.progress).toMatchObject({ current: 6000, total: 6000, rate_per_s: 1000 });
  });

  it('reads a real tqdm capture played through a stage, and nothing with progress: none', async () => {
    const bar = `stages:\n  - id: bar\n    run: ['sh', '-c', 'cat "$0" >&2', '${FIXTURE}']\n`;
    const ws = await tempWorkspace({ bar });
    expect((await runOnce(ws, 'bar')).stages[0]?.progress).toMatchObject({ current: 100, total: 100 });
    const ws2 = await tempWorkspace({ quiet: `progress: none\n${bar}` });
    expect((await runOnce(ws2, 'quiet')).stages[0]?.progress).toBeNull();
  });

  it('lets ::pipe:progress win over a bar the same stage prints', async () => {
    const both = `stages:\n  - id: both\n    run: ['sh', '-c', 'cat "$0" >&2; echo "::pipe:progress 3/7 mine"; cat "$0" >&2', '${FIXTURE}']\n`;
    const ws = await tempWorkspace({ both });
    expect((await runOnce(ws, 'both')).stages[0]?.progress).toMatchObject({ current: 3, total: 7, message: 'mine' });
  });

  it('keeps a progress message as a terminal would show it: no escape or control character from the stage', async () => {
    const evil = `stages:\n  - id: evil\n    run: ['sh', '-c', 'printf "::pipe:progress 1/2 \\033]52;c;aGk=\\007copy\\016 me\\033[2J\\n"']\n`;
    const ws = await tempWorkspace({ evil });
    const message = (await runOnce(ws, 'evil')).stages[0]?.progress?.message ?? '';
    expect(message).toContain('copy');
    expect(message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('reads a stage’s own pattern', async () => {
    const mine = `stages:\n  - id: mine\n    progress: { pattern: 'step (?<current>\\d+) of (?<total>\\d+)' }\n    run: 'for i in 1 2 3; do echo "step $i of 3"; done'\n`;
    const ws = await tempWorkspace({ mine });
    expect((await runOnce(ws, 'mine')).stages[0]?.progress).toMatchObject({ current: 3, total: 3 });
  });
});
