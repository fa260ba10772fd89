import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { PipeError } from '../../shared/errors.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, daemonPaths } from '../../workspace/layout.js';
import { readWorkspaceConfig } from '../../workspace/workspace-config.js';
import { abortableSleep } from './abortable-sleep.js';

// Resource pools shared by every run of a workspace, the daemon's and a foreground run's alike: a slot is a file,
// `.pipe-tui/pools/gpu.1`, made with O_EXCL and naming its holder (pid and the pid's start time, so a pid reused
// after a restart is not taken for the holder), so two processes never take the same one, and a slot whose holder
// died (kill -9) is taken back. Within a process, waiters for a pool queue first come, first served, and only the
// first of them looks for a free slot. A stage learns its slot (PIPE_POOL_SLOT) to pick its device.

/** How often the first waiter looks for a free slot again. */
const POLL_MS = 200;
/** A slot file this old that still says nothing was left by a holder that died writing it. */
const UNWRITTEN_MS = 10_000;

export interface Slot {
  readonly slot: number;
  release(): Promise<void>;
}

export interface Holder {
  runId: string;
  stage: string;
  item?: number;
}

// This process's waiters, per pool folder and pool: each waits for the one before it to get its slot (or give up).
const queues = new Map<string, Promise<unknown>>();

/**
 * One slot of `pool`, once free: at once when one is, else after `onWait(size)` is told, polling until one frees
 * or `signal` aborts (then null). ERR_CONFIG_INVALID when pipe-tui.yaml declares no such pool.
 */
export async function acquireSlot(workspace: string, pool: string, holder: Holder, signal: AbortSignal, onWait: (size: number) => void): Promise<Slot | null> {
  const dir = daemonPaths(workspace).pools;
  const key = `${dir}\0${pool}`;
  const ahead = queues.get(key);
  // Queued behind another waiter of this process: every slot is busy, and its row says so now, not at its turn.
  let told = false;
  if (ahead) {
    const size = (await readWorkspaceConfig(workspace)).pools?.[pool];
    if (size !== undefined) {
      onWait(size);
      told = true;
    }
  }
  const before = queues.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(() => poll(workspace, dir, pool, holder, signal, told ? () => undefined : onWait));
  queues.set(key, mine);
  try {
    return await mine;
  } finally {
    if (queues.get(key) === mine) queues.delete(key);
  }
}

async function poll(workspace: string, dir: string, pool: string, holder: Holder, signal: AbortSignal, onWait: (size: number) => void): Promise<Slot | null> {
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
    await abortableSleep(POLL_MS, signal);
  }
  return null;
}

// The slot's file, made if it was free (or its holder is dead); null when someone alive holds it.
async function take(file: string, holder: Holder): Promise<string | null> {
  for (let tries = 0; tries < 2; tries++) {
    try {
      const handle = await open(file, 'wx', PRIVATE_FILE_MODE);
      try {
        await handle.writeFile(`${JSON.stringify({ pid: process.pid, started: startTime(process.pid), ...holder, at: new Date().toISOString() })}\n`);
      } catch (error) {
        // A slot half taken (a full disk) is no slot: given back at once.
        await unlink(file).catch(() => undefined);
        throw error;
      } finally {
        await handle.close();
      }
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stale = await heldByTheDead(file);
    if (stale === null) return null;
    await takeBack(file, stale);
  }
  return null;
}

// Moves a dead holder's file aside and removes it; had someone else made it its own meanwhile, it is put back.
async function takeBack(file: string, stale: string): Promise<void> {
  const aside = `${file}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch {
    return;
  }
  if ((await readFile(aside, 'utf8').catch(() => null)) !== stale) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

// The slot file's text when its holder is dead (or its pid now another process's); null while it lives.
async function heldByTheDead(file: string): Promise<string | null> {
  try {
    const text = await readFile(file, 'utf8');
    let holder: { pid?: unknown; started?: unknown };
    try {
      holder = JSON.parse(text) as typeof holder;
    } catch {
      // Being written this instant, or never finished by a holder that died: stale once it is old.
      return Date.now() - (await stat(file)).mtimeMs > UNWRITTEN_MS ? text : null;
    }
    if (typeof holder.pid !== 'number') return text;
    const started = startTime(holder.pid);
    return started === null || (typeof holder.started === 'string' && holder.started !== started) ? text : null;
  } catch {
    return null;
  }
}

/** When a process started (field 22 of /proc/PID/stat, ticks since boot), or null when it is gone. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
