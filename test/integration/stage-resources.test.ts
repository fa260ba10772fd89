import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunMetadata } from '../../src/shared/metadata-schema.js';
import { runDir } from '../../src/workspace/layout.js';
import { cli } from '../helpers/cli.js';
import { startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const MB = 1024 * 1024;
// sh → python3, a grandchild of the daemon, which touches 200 MB and holds it for a while.
const HOG = `stages:\n  - id: hog\n    run: 'python3 -c "import time; b = bytearray(200 * 1024 * 1024); time.sleep(4)"'\n`;

describe('live resources per stage', () => {
  it('shows a grandchild’s 200 MB on the running stage and keeps it as the attempt’s peak', async () => {
    const ws = await tempWorkspace({ hog: HOG });
    await startDaemon(ws);
    const id = await startRun(ws, 'hog');
    const running = await waitForRun(ws, id, 'to measure 200 MB', (r) => (r.stages[0]?.resources?.rss_bytes ?? 0) >= 200 * MB, 20_000);
    expect(running.stages[0]?.status).toBe('running');
    const status = await cli(['status', id, '--workspace', ws]);
    expect(String(status.stdout)).toMatch(/hog\s+running.*\b2\d\d MiB \d+%/);
    const ended = await waitForRun(ws, id, 'to end', (r) => r.status === 'succeeded', 30_000);
    expect(ended.stages[0]?.resources?.peak_rss_bytes).toBeGreaterThanOrEqual(200 * MB);
    const saved = RunMetadata.parse(JSON.parse(readFileSync(path.join(runDir(ws, id), 'metadata.json'), 'utf8')));
    expect(saved.stages[0]?.resources?.peak_rss_bytes).toBeGreaterThanOrEqual(200 * MB);
    // The history index keeps the peak, and stats shows it.
    let peak: unknown = null;
    await waitFor('stats to show the peak memory', async () => {
      const stats = await cli(['stats', 'hog', '--json', '--workspace', ws]);
      peak = stats.exitCode === 0 ? (JSON.parse(String(stats.stdout)) as { stages: { median_peak_rss_bytes: number | null }[] }[])[0]?.stages[0]?.median_peak_rss_bytes : null;
      return typeof peak === 'number';
    });
    expect(peak).toBeGreaterThanOrEqual(200 * MB);
  });

  it('adds the GPU memory nvidia-smi says the stage’s processes hold (a stand-in nvidia-smi on the daemon’s PATH)', async () => {
    const ws = await tempWorkspace({ gpu: `stages:\n  - id: train\n    run: 'echo $$ > gpu.pid; sleep 6'\n` });
    // Answers as the real one does: one `pid, MiB` line per process on a GPU; the stage's shell holds 3 GiB.
    const bin = path.join(ws, 'fake-bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'nvidia-smi'), `#!/bin/sh\n[ -f "${ws}/gpu.pid" ] && echo "$(cat "${ws}/gpu.pid"), 3072"\nexit 0\n`);
    chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
    await startDaemon(ws, [], { PATH: `${bin}:${process.env.PATH}` });
    const id = await startRun(ws, 'gpu');
    await waitForRun(ws, id, 'to see 3 GiB of GPU memory', (r) => r.stages[0]?.resources?.gpu_bytes === 3072 * MB, 20_000);
    const status = await cli(['status', id, '--workspace', ws]);
    expect(String(status.stdout)).toMatch(/train\s+running.*\d+%.* gpu 3 GiB/);
    const ended = await waitForRun(ws, id, 'to end', (r) => r.status === 'succeeded', 30_000);
    expect(ended.stages[0]?.resources?.peak_gpu_bytes).toBe(3072 * MB);
  });
});
