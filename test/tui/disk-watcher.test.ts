import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunEntry, entryId } from '../../src/tui/run-entries.js';
import { watchRunFolders } from '../../src/tui/disk-watcher.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';
import { states } from './run-states.js';

afterEach(removeWorkspaces);

describe('the run folder watcher', () => {
  it('sees the first run of a workspace that had no runs/ folder when it started watching', async () => {
    const ws = await tempWorkspace();
    let seen = new Map<string, RunEntry>();
    let scans = 0;
    const stop = watchRunFolders(ws, (entries) => {
      seen = entries;
      scans++;
    });
    try {
      // The first scan of the missing folder ends (the watcher says so once), as a TUI opened on a new workspace's has.
      await waitFor('the first scan', () => scans > 0);
      const run = states.running();
      const dir = path.join(ws, 'runs', run.run_id);
      await mkdir(path.join(ws, 'runs'));
      await mkdir(dir);
      await writeFile(path.join(dir, 'metadata.json'), JSON.stringify(run));
      await waitFor('the watcher to list the first run', () => [...seen.values()].some((e) => entryId(e) === run.run_id));
      expect(seen.get(run.run_id)?.ok).toBe(true);
    } finally {
      stop();
    }
  });
});
