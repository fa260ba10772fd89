import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isTerminal } from '../shared/metadata-schema.js';
import { isRunId } from '../shared/names.js';
import { isHalfMade, readRunFile } from '../workspace/run-reader.js';
import { METADATA_FILE, runsDir } from '../workspace/layout.js';
import type { RunEntry } from './run-entries.js';

// Watches the run folders with chokidar: runs/ itself for folders that come and go, and only the folders of runs
// still moving (or not yet readable) for their metadata.json, so thousands of finished runs cost one read each
// and no watcher. Every metadata.json write is an atomic rename, so each read sees a whole file.
export function watchRunFolders(workspace: string, onChange: (entries: Map<string, RunEntry>) => void): () => void {
  const entries = new Map<string, RunEntry>();
  let timer: NodeJS.Timeout | null = null;
  // Bursts (the first scan of thousands of runs) arrive as one change.
  const changed = (): void => {
    timer ??= setTimeout(() => {
      timer = null;
      onChange(new Map(entries));
    }, 30);
  };
  // atomic: false, so each rename-over of metadata.json is seen (chokidar's atomic mode folds quick ones away).
  const moving: FSWatcher = watch([], { depth: 0, ignoreInitial: true, atomic: false });
  const watched = new Set<string>();
  const lastText = new Map<string, string>();
  // At most a few reads at once: the first scan of thousands of folders must not hold thousands of files in memory.
  const queue: string[] = [];
  const queued = new Set<string>();
  let reading = 0;
  const enqueue = (dir: string): void => {
    if (queued.has(dir)) return;
    queued.add(dir);
    queue.push(dir);
    pump();
  };
  const pump = (): void => {
    while (reading < 8 && queue.length > 0) {
      reading++;
      const dir = queue.shift() as string;
      queued.delete(dir);
      void load(dir).finally(() => {
        reading--;
        pump();
      });
    }
  };
  const load = async (dir: string): Promise<void> => {
    const runId = path.basename(dir);
    if (!isRunId(runId)) return;
    const file = await readRunFile(workspace, runId);
    const text = file.text;
    // Unchanged since the last read: nothing to redraw. Not there yet: a run being created shows once it is, one
    // left half-made (its creation failed) shows as such.
    if (text !== null && text === lastText.get(dir)) return;
    if (text !== null) lastText.set(dir, text);
    const read = text !== null || isHalfMade(workspace, runId) ? file.read : null;
    if (text === null && read && entries.has(runId)) return; // half-made, and already shown as such
    if (read) entries.set(runId, read);
    const settled = read?.ok === true && isTerminal(read.run.status);
    if (!settled && !watched.has(dir)) {
      watched.add(dir);
      moving.add(dir);
    } else if (settled && watched.has(dir)) {
      watched.delete(dir);
      lastText.delete(dir);
      moving.unwatch(dir);
    }
    if (read) changed();
  };
  moving.on('add', (file) => path.basename(file) === METADATA_FILE && enqueue(path.dirname(file)));
  moving.on('change', (file) => path.basename(file) === METADATA_FILE && enqueue(path.dirname(file)));
  moving.on('error', () => undefined);

  // chokidar's first scan reports every folder, but only after walking them all; a plain listing gets the first
  // reads going at once. Each folder is enqueued by whichever sees it first.
  const seen = new Set<string>();
  const found = (dir: string): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    enqueue(dir);
  };
  const root = runsDir(workspace);
  void readdir(root, { withFileTypes: true })
    .then((list) => list.filter((d) => d.isDirectory()).forEach((d) => found(path.join(root, d.name))))
    .catch(() => undefined);
  const folders: FSWatcher = watch(root, { depth: 0, ignoreInitial: false });
  // A workspace with no runs/ yet (a first run is about to make it): chokidar reports the folder's birth but not
  // what is made inside it, so it is watched afresh once it exists (the fresh scan finds what came meanwhile).
  let rootSeen = false;
  folders.on('addDir', (dir) => {
    if (dir !== root) return found(dir);
    if (rootSeen) return;
    rootSeen = true;
    folders.unwatch(root);
    folders.add(root);
  });
  folders.on('unlinkDir', (dir) => {
    seen.delete(dir);
    if (entries.delete(path.basename(dir))) changed();
  });
  folders.on('ready', changed);
  folders.on('error', () => undefined);
  // chokidar can miss the last of several quick renames over one file; runs still moving are also re-read
  // twice a second, so the screen always ends at the file's final state. Finished runs cost nothing here.
  const sweep = setInterval(() => {
    for (const dir of watched) enqueue(dir);
  }, 500);
  return () => {
    clearInterval(sweep);
    if (timer) clearTimeout(timer);
    void folders.close();
    void moving.close();
  };
}
