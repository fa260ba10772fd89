import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readChildren } from '../../../src/daemon/engine/proc-table.js';
import { waitFor } from '../../helpers/workspace.js';

const comm = (pid: number): string | null => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
};

describe('readChildren', () => {
  it('finds a child that a thread other than the main one started (a thread pool calling subprocess)', async () => {
    // The worker thread starts `sleep` and stays alive: the child is listed under the thread's task, not the main one's.
    const script = 'import threading,subprocess,time\ndef w():\n  subprocess.Popen(["sleep","30"])\n  time.sleep(30)\nthreading.Thread(target=w, daemon=True).start()\ntime.sleep(30)';
    const parent = spawn('python3', ['-c', script], { stdio: 'ignore', detached: true });
    try {
      const children = await waitFor('the thread’s child to be listed', () => {
        const found = (readChildren(parent.pid as number) ?? []).filter((pid) => comm(pid) === 'sleep');
        return found.length > 0 ? found : null;
      });
      expect(children).toHaveLength(1);
    } finally {
      process.kill(-(parent.pid as number), 'SIGKILL');
    }
  });

  it('gives [] for a process that is gone', () => {
    expect(readChildren(2 ** 22 + 12345)).toEqual([]);
  });
});
