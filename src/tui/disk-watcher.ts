import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isRunId } from '../shared/names.js';
import { parseMetadata, runsDir } from '../daemon/run-store.js';
import type { RunEntry } from './run-entries.js';

// Watches runs/*/metadata.json with chokidar: every write is an atomic rename, so each read sees a whole file.
export function watchRunFolders(workspace: string, onChange: (entries: Map<string, RunEntry>) => void): () => void {
  const entries = new Map<string, RunEntry>();
  let timer: NodeJS.Timeout | null = null;
  // Bursts (the initial scan of thousands of runs) arrive as one change.
  const changed = (): void => {
    timer ??= setTimeout(() => {
      timer = null;
      onChange(new Map(entries));
    }, 30);
  };
  const load = async (file: string): Promise<void> => {
    if (path.basename(file) !== 'metadata.json') return;
    const runId = path.basename(path.dirname(file));
    if (!isRunId(runId)) return;
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) return;
    const read = parseMetadata(runId, text);
    entries.set(runId, read.ok ? read : { ok: false, runId, code: read.error.code, message: read.error.message });
    changed();
  };
  const watcher: FSWatcher = watch(runsDir(workspace), {
    depth: 1,
    ignored: (file, stats) => Boolean(stats?.isFile() && path.basename(file) !== 'metadata.json'),
    ignoreInitial: false,
  });
  watcher.on('add', (file) => void load(file));
  watcher.on('change', (file) => void load(file));
  watcher.on('unlink', (file) => {
    if (path.basename(file) === 'metadata.json' && entries.delete(path.basename(path.dirname(file)))) changed();
  });
  watcher.on('ready', changed);
  watcher.on('error', () => undefined);
  return () => {
    if (timer) clearTimeout(timer);
    void watcher.close();
  };
}
