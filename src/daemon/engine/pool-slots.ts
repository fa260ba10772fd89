import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../../shared/errors.js';
import { isAlive } from '../../workspace/daemon-pid.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, daemonPaths } from '../../workspace/layout.js';
import { readWorkspaceConfig } from '../../workspace/workspace-config.js';

// Resource pools shared by every run of a workspace, the daemon's and a foreground run's alike: a slot is a file,
// `.pipe-tui/pools/gpu.1`, made with O_EXCL and holding its holder's pid, so two processes never take the same
// one, and a slot whose holder died (kill -9) is taken back. A stage learns its slot (PIPE_POOL_SLOT) to pick
// its device.

/** How often a waiter looks for a free slot again. */
const POLL_MS = 200;

export interface Slot {
  readonly slot: number;
  release(): Promise<void>;
}

export interface Holder {
  runId: string;
  stage: string;
  item?: number;
}

/**
 * One slot of `pool`, once free: at once when one is, else after `onWait(size)` is told, polling until one frees
 * or `signal` aborts (then null). ERR_CONFIG_INVALID when pipe-tui.yaml declares no such pool.
 */
export async function acquireSlot(workspace: string, pool: string, holder: Holder, signal: AbortSignal, onWait: (size: number) => void): Promise<Slot | null> {
  const dir = daemonPaths(workspace).pools;
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  let told = false;
  while (!signal.aborted) {
    // Read each round: a pool resized in pipe-tui.yaml applies to the next wait, with no restart.
    const size = (await readWorkspaceConfig(workspace)).pools?.[pool];
    if (size === undefined) throw new PipeError('ERR_CONFIG_INVALID', `pool "${pool}" is not declared in pipe-tui.yaml (pools: { ${pool}: 2 })`);
    for (let slot = 0; slot < size; slot++) {
      const taken = await take(path.join(dir, `${pool}.${slot}`), holder);
      if (taken) return { slot, release: () => unlink(taken).catch(() => undefined) };
    }
    if (!told) onWait(size);
    told = true;
    await pause(POLL_MS, signal);
  }
  return null;
}

// The slot's file, made if it was free (or its holder is dead); null when someone alive holds it.
async function take(file: string, holder: Holder): Promise<string | null> {
  for (let tries = 0; tries < 2; tries++) {
    try {
      const handle = await open(file, 'wx', PRIVATE_FILE_MODE);
      await handle.writeFile(`${JSON.stringify({ pid: process.pid, ...holder, at: new Date().toISOString() })}\n`);
      await handle.close();
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stale = await heldByTheDead(file);
    if (stale === null) return null;
    // Read again just before: another waiter may have taken the stale slot back and made it its own meanwhile.
    if ((await readFile(file, 'utf8').catch(() => null)) === stale) await unlink(file).catch(() => undefined);
  }
  return null;
}

// The slot file's text when its holder is dead; null when it is alive (or the file is being written, or gone).
async function heldByTheDead(file: string): Promise<string | null> {
  try {
    const text = await readFile(file, 'utf8');
    const pid = (JSON.parse(text) as { pid?: unknown }).pid;
    return typeof pid === 'number' && !isAlive(pid) ? text : null;
  } catch {
    return null;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
