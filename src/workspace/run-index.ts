import { statSync } from 'node:fs';
import { type IndexEntry, IndexLine, peekLine } from '../shared/run-index-entry.js';
import type { RunStatus } from '../shared/metadata-schema.js';
import { daemonPaths } from './layout.js';
import { readAppendedLines, readIndexBytes } from './run-index-file.js';

// The read side of `.pipe-tui/runs.ndjson`, the runs index: one line per listed state change of a run, the last
// line of each run winning, so a listing of 100 000 runs reads one file instead of 100 000 folders. The folders
// stay the truth: a line can only lag its run (it is appended after the run's event), so a reader trusts a
// finished run's line and reads the folder of a run whose line says it still moves. Written by runs as they
// change and compacted or rebuilt by the daemon (src/daemon/engine/run-index-writer.ts). Where its lines begin and
// end is for every reader alike: src/workspace/run-index-file.ts.

export const runIndexFile = (workspace: string): string => daemonPaths(workspace).runIndex;

export class RunIndex {
  private readonly byId = new Map<string, IndexEntry>();
  private offset = 0;
  private inode = 0;
  private newestFirst: IndexEntry[] | null = null;
  /** Whether the file was there at the last look. */
  exists = false;
  /** Lines read, good or bad: how much a compaction would save. */
  lines = 0;
  /** Lines that could not be read (skipped): the daemon repairs the index when it sees any. */
  bad = 0;

  constructor(readonly file: string) {}

  static open(workspace: string): RunIndex {
    const index = new RunIndex(runIndexFile(workspace));
    index.refresh();
    return index;
  }

  /** Bytes of the file read so far: where lines appended since begin. */
  get consumed(): number {
    return this.offset;
  }

  get size(): number {
    return this.byId.size;
  }

  get(runId: string): IndexEntry | undefined {
    return this.byId.get(runId);
  }

  /** Every listed run, newest first (run ids sort by creation time). */
  list(): IndexEntry[] {
    this.newestFirst ??= [...this.byId.values()].sort((a, b) => (a.run_id < b.run_id ? 1 : a.run_id > b.run_id ? -1 : 0));
    return this.newestFirst;
  }

  /** Reads what was appended since the last look; starts over when the file was replaced. True when anything changed. */
  refresh(): boolean {
    let stat: { size: number; ino: number };
    try {
      stat = statSync(this.file);
    } catch {
      const had = this.exists || this.byId.size > 0;
      this.exists = false;
      if (had) this.reset();
      return had;
    }
    this.exists = true;
    let changed = false;
    if (stat.ino !== this.inode || stat.size < this.offset) {
      changed = this.byId.size > 0;
      this.reset();
    }
    if (stat.size > this.offset) changed = this.load() || changed;
    return changed;
  }

  private reset(): void {
    this.byId.clear();
    this.offset = 0;
    this.inode = 0;
    this.lines = 0;
    this.bad = 0;
    this.newestFirst = null;
  }

  private load(): boolean {
    const chunk = readAppendedLines(this.file, this.offset);
    if (!chunk) return false;
    this.inode = chunk.inode;
    let changed = false;
    for (const line of chunk.lines) {
      this.lines++;
      const parsed = parseIndexLine(line);
      if (!parsed) {
        this.bad++;
        continue;
      }
      changed = true;
      if ('removed' in parsed) this.byId.delete(parsed.run_id);
      else this.byId.set(parsed.run_id, parsed);
    }
    this.offset += chunk.consumed;
    if (changed) this.newestFirst = null;
    return changed;
  }
}

/** A line of the index checked by its schema, or null (torn, corrupt, or not ours). */
export function parseIndexLine(line: string): IndexLine | null {
  try {
    const parsed = IndexLine.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** What the daemon needs at start: each run's last status (null: removed), read from the lines' prefixes alone. */
export interface IndexScan {
  status: Map<string, RunStatus | null>;
  lines: number;
  bad: number;
  /** Bytes up to the last whole line: a torn tail (a crash mid-append) lies past it. */
  whole: number;
  exists: boolean;
}

export function scanIndex(file: string): IndexScan {
  const scan: IndexScan = { status: new Map(), lines: 0, bad: 0, whole: 0, exists: false };
  const buffer = readIndexBytes(file)?.bytes;
  if (!buffer) return scan;
  scan.exists = true;
  // Only each line's first bytes are decoded: the prefix says the run and its status; the rest is parsed only
  // for a line that does not start as this version writes them.
  for (let start = 0; start < buffer.length; ) {
    const end = buffer.indexOf(0x0a, start);
    if (end < 0) break;
    scan.whole = end + 1;
    if (end > start) {
      scan.lines++;
      // Two lines glued into one (a torn line, then the next append) read as the first by their prefix: bad.
      const glued = buffer.indexOf(LINE_START, start + 1);
      const peeked = glued >= 0 && glued < end ? null : (peekLine(buffer.toString('latin1', start, Math.min(end, start + PREFIX_BYTES))) ?? peekParsed(buffer.toString('utf8', start, end)));
      if (!peeked) scan.bad++;
      else scan.status.set(peeked.runId, peeked.status);
    }
    start = end + 1;
  }
  return scan;
}

const LINE_START = Buffer.from('{"run_id":');
/** Enough of a line for its run id (at most 128 characters) and status. */
const PREFIX_BYTES = 200;

function peekParsed(line: string): { runId: string; status: RunStatus | null } | null {
  const parsed = parseIndexLine(line);
  if (!parsed) return null;
  return { runId: parsed.run_id, status: 'removed' in parsed ? null : parsed.status };
}
