import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { readMetadata, startDaemon, startRun, stopDaemons, waitForRun } from '../helpers/daemon.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

afterEach(async () => {
  await stopDaemons();
  await removeWorkspaces();
});

const ANNOUNCEMENTS = 200;

// A stage that announces e1.txt again and again while a second process swaps it between a regular file and a FIFO
// as fast as it can (hard links renamed over it), so any check made on the path before the file is opened is
// soon contradicted by what the open finds. Then it announces done.txt; `wait-done` waits until the engine has
// copied that one (so every announcement before it has been dealt with), `wait-forever` waits to be cancelled.
const SWAPPER = `
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
writeFileSync('reg.txt', 'regular\\n');
execFileSync('mkfifo', ['pipe.fifo']);
const flip = "const fs = require('fs'); for (;;) { try { fs.linkSync('reg.txt', 't1'); fs.renameSync('t1', 'e1.txt'); fs.linkSync('pipe.fifo', 't2'); fs.renameSync('t2', 'e1.txt'); } catch {} }";
spawn(process.execPath, ['-e', flip], { stdio: 'ignore' });
const copied = () => readdirSync(process.env.PIPE_RUN_DIR).some((f) => f.endsWith('_done.txt'));
// Announced only once the swapping has begun, so that every announcement meets it.
const waiting = setInterval(() => {
  if (!existsSync('e1.txt')) return;
  clearInterval(waiting);
  for (let i = 0; i < ${ANNOUNCEMENTS}; i++) console.log('::pipe:entity e e1.txt');
  writeFileSync('done.txt', 'done\\n');
  console.log('::pipe:entity done done.txt');
  writeFileSync('announced', '');
  setInterval(() => { if (process.argv[2] === 'wait-done' && copied()) process.exit(0); }, 20);
}, 5);
`;

const swapPipeline = (mode: string) => `stages:\n  - id: swap\n    run: ['${process.execPath}', swapper.mjs, ${mode}]\n`;

// Every announcement is accounted for: copied as an entity, or refused with a warning in the log.
async function expectEachAnnouncementSettled(ws: string, runId: string): Promise<void> {
  const run = await readMetadata(ws, runId);
  const log = await readFile(path.join(ws, 'runs', runId, 'logs', '00_swap.log'), 'utf8');
  const refused = log.split('\n').filter((l) => l.startsWith('[pipe-tui] warning: entity e e1.txt not recorded: ERR_ENTITY_INVALID')).length;
  const copied = run.entities.filter((e) => e.type === 'e');
  expect(copied.length + refused).toBe(ANNOUNCEMENTS);
  for (const entity of copied) expect(await readFile(path.join(ws, 'runs', runId, entity.filename), 'utf8')).toBe('regular\n');
}

const pipeTui = (args: string[], env: Record<string, string> = {}) =>
  execa('node', [BIN, ...args], { reject: false, timeout: 20_000, env: { NO_COLOR: '1', ...env } });

describe('an entity swapped for a FIFO after it is announced', () => {
  it('never blocks a foreground run: each copy is made or refused, and the run ends', async () => {
    const ws = await tempWorkspace({ swap: swapPipeline('wait-done') });
    await writeFile(path.join(ws, 'swapper.mjs'), SWAPPER);
    const result = await pipeTui(['run', 'swap', '--foreground', '--json', '--workspace', ws]);
    expect(result.timedOut, 'the foreground run hung').toBe(false);
    expect(result.exitCode, result.stderr).toBe(0);
    const { run_id: runId } = JSON.parse(result.stdout) as { run_id: string };
    await expectEachAnnouncementSettled(ws, runId);
  });

  it('never blocks the daemon: the run can still be cancelled, and the next run starts', async () => {
    const ws = await tempWorkspace({ swap: swapPipeline('wait-forever'), after: "stages:\n  - id: a\n    run: 'true'\n" });
    await writeFile(path.join(ws, 'swapper.mjs'), SWAPPER);
    await startDaemon(ws);
    const runId = await startRun(ws, 'swap');
    await waitFor('the stage to announce its entities', () => existsSync(path.join(ws, 'announced')), 20_000);
    const cancel = await pipeTui(['cancel', runId, '--workspace', ws]);
    expect(cancel.timedOut, 'cancel hung').toBe(false);
    expect(cancel.exitCode, cancel.stderr).toBe(0);
    expect((await waitForRun(ws, runId, 'cancelled', (r) => r.status === 'cancelled')).error?.code).toBe('ERR_CANCELLED');
    await expectEachAnnouncementSettled(ws, runId);
    const next = await startRun(ws, 'after');
    await waitForRun(ws, next, 'to succeed', (r) => r.status === 'succeeded');
  });
});

describe('the entity size cap', () => {
  const SPARSE = `stages:
  - id: s
    run: |
      truncate -s 2G big.bin
      head -c 1000 /dev/zero > small.bin
      echo "::pipe:entity big big.bin"
      echo "::pipe:entity small small.bin"
`;

  it('refuses a sparse file above PIPE_TUI_MAX_ENTITY_BYTES from its size, without copying a byte', async () => {
    const ws = await tempWorkspace({ sparse: SPARSE });
    const result = await pipeTui(['run', 'sparse', '--foreground', '--json', '--workspace', ws], { PIPE_TUI_MAX_ENTITY_BYTES: '1048576' });
    expect(result.exitCode, result.stderr).toBe(0);
    const { run_id: runId } = JSON.parse(result.stdout) as { run_id: string };
    const run = await readMetadata(ws, runId);
    expect(run.entities.map((e) => [e.filename, e.size])).toEqual([['01_small.bin', 1000]]);
    const log = await readFile(path.join(ws, 'runs', runId, 'logs', '00_s.log'), 'utf8');
    expect(log).toMatch(/warning: entity big big\.bin not recorded: ERR_ENTITY_INVALID: big\.bin is 2 GiB, more than the 1 MiB an entity may be \(PIPE_TUI_MAX_ENTITY_BYTES\)/);
    expect((await readdir(path.join(ws, 'runs', runId))).filter((f) => f.includes('big'))).toEqual([]);
  });

  it('refuses it under the default cap of 1 GiB too', async () => {
    const ws = await tempWorkspace({ sparse: SPARSE });
    const result = await pipeTui(['run', 'sparse', '--foreground', '--json', '--workspace', ws]);
    expect(result.exitCode, result.stderr).toBe(0);
    const { run_id: runId } = JSON.parse(result.stdout) as { run_id: string };
    expect((await readMetadata(ws, runId)).entities.map((e) => e.filename)).toEqual(['01_small.bin']);
    const log = await readFile(path.join(ws, 'runs', runId, 'logs', '00_s.log'), 'utf8');
    expect(log).toContain('big.bin is 2 GiB, more than the 1 GiB an entity may be');
  });

  it('refuses every entity with a clear warning when PIPE_TUI_MAX_ENTITY_BYTES is not a size', async () => {
    const ws = await tempWorkspace({ sparse: SPARSE });
    const result = await pipeTui(['run', 'sparse', '--foreground', '--json', '--workspace', ws], { PIPE_TUI_MAX_ENTITY_BYTES: 'lots' });
    const { run_id: runId } = JSON.parse(result.stdout) as { run_id: string };
    const log = await readFile(path.join(ws, 'runs', runId, 'logs', '00_s.log'), 'utf8');
    expect(log).toContain('entity small small.bin not recorded: ERR_ENTITY_INVALID: PIPE_TUI_MAX_ENTITY_BYTES must be a size in bytes');
  });
});
