import { type FSWatcher, statSync, watch } from 'node:fs';
import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import { isTerminal } from '../shared/metadata-schema.js';
import { indexEntryOf } from '../shared/run-index-entry.js';
import { METADATA_FILE, runDir } from '../workspace/layout.js';
import { type RunRead, isHalfMade, readRunFile } from '../workspace/run-reader.js';
import { type RunEntry, entryOfRun, listingEntry } from './run-entries.js';

// Runs that still move and that the feed does not carry (a foreground CLI's, any run while no daemon answers),
// followed in their folders: an fs.watch on the folder of each of the first few, and a look at every one twice a
// second (a stat; a read when it changed), so a missed rename never leaves one stale. Those are few.

const SWEEP_MS = 500;
/** Moving runs whose folder gets an fs.watch of its own; past these, the sweep alone follows them. */
const WATCHED_MAX = 64;
/** Folders of moving runs looked at per sweep (a stat each, a read when changed), in turn. */
const SWEEP_MAX = 128;

interface Follow {
  watcher: FSWatcher | null;
  /** metadata.json's inode, size and mtime at the last read: unchanged, it is not read again. */
  stamp: string | null;
  reading: boolean;
  again: boolean;
}

export class MovingRuns {
  private closed = false;
  private readonly follows = new Map<string, Follow>();
  private listed: readonly string[] | null = null;
  private watched = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweepAt = 0;

  /** `onRead`: a followed run as its folder now tells it. */
  constructor(
    private readonly workspace: string,
    private readonly onRead: (id: string, entry: RunEntry) => void,
  ) {}

  has(id: string): boolean {
    return this.follows.has(id);
  }

  /** The runs followed: the same array until one comes or goes. */
  ids(): readonly string[] {
    this.listed ??= [...this.follows.keys()];
    return this.listed;
  }

  follow(id: string): void {
    if (this.follows.has(id) || this.closed) return;
    const follow: Follow = { watcher: null, stamp: null, reading: false, again: false };
    this.follows.set(id, follow);
    this.listed = null;
    if (this.watched < WATCHED_MAX) {
      try {
        follow.watcher = watch(runDir(this.workspace, id), (_type, name) => {
          if (name === null || name === METADATA_FILE) void this.read(id);
        });
        follow.watcher.on('error', () => undefined);
        this.watched++;
      } catch {
        // Gone already, or no watch to be had: the sweep follows it.
      }
    }
    this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_MS);
    void this.read(id);
  }

  unfollow(id: string): void {
    const follow = this.follows.get(id);
    if (!follow) return;
    if (follow.watcher) {
      follow.watcher.close();
      this.watched--;
    }
    this.follows.delete(id);
    this.listed = null;
    if (this.follows.size === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
    }
  }

  close(): void {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const follow of this.follows.values()) follow.watcher?.close();
    this.follows.clear();
  }

  // A rename can be missed, or a folder be beyond the watched few: every moving run is looked at twice a second
  // (a stat; a read when it changed). Finished runs cost nothing here.
  private sweep(): void {
    const ids = [...this.follows.keys()];
    const count = Math.min(ids.length, SWEEP_MAX);
    for (let i = 0; i < count; i++) void this.read(ids[(this.sweepAt + i) % ids.length] as string);
    this.sweepAt = ids.length > SWEEP_MAX ? (this.sweepAt + count) % ids.length : 0;
  }

  private async read(id: string): Promise<void> {
    const follow = this.follows.get(id);
    if (!follow || this.closed) return;
    if (follow.reading) {
      follow.again = true;
      return;
    }
    follow.reading = true;
    try {
      const stamp = stampOf(path.join(runDir(this.workspace, id), METADATA_FILE));
      if (stamp !== null && stamp === follow.stamp) return;
      const file = await readRunFile(this.workspace, id);
      if (this.closed || this.follows.get(id) !== follow) return;
      follow.stamp = stamp;
      // Not there yet: a run being created shows once it is; one left half-made (its creation failed) as such.
      if (file.text === null && !isHalfMade(this.workspace, id)) return;
      this.onRead(id, asFolder(id, entryOfRead(file.read)));
    } finally {
      follow.reading = false;
      if (follow.again) {
        follow.again = false;
        void this.read(id);
      }
    }
  }
}

// A folder is its run: one whose metadata.json names another run (copied by hand) is not listed as that other.
export function asFolder(id: string, entry: RunEntry): RunEntry {
  if (!entry.ok || entry.listing.run_id === id) return entry;
  return { ok: false, runId: id, error: new PipeError('ERR_METADATA_CORRUPT', `${id}/${METADATA_FILE} names another run (${entry.listing.run_id})`) };
}

/** A run read from its folder: whole while it moves (the list shows its ETA, the detail needs no read), a listing once finished. */
function entryOfRead(read: RunRead): RunEntry {
  if (!read.ok) return read;
  return isTerminal(read.run.status) ? listingEntry(indexEntryOf(read.run)) : entryOfRun(read.run);
}

function stampOf(file: string): string | null {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}
