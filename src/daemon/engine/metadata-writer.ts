import { PipeError } from '../../shared/errors.js';
import { RunMetadata } from '../../shared/metadata-schema.js';
import { formatIssues } from '../../shared/zod-issues.js';
import { writeAtomic } from '../../workspace/atomic-write.js';

/** Minimum gap between two coalesced (non-urgent) writes: at most 20 a second under a flood of progress. */
export const COALESCE_MS = 50;

export interface WriterOptions {
  /** Why the text must not be written, or null to write it. Default: it must parse as metadata.json (schema 1). */
  check?: (text: string) => string | null;
  /** Where a refusal is reported. Default: standard error, which is the daemon's log. */
  warn?: (line: string) => void;
}

// Keeps metadata.json at most one coalescing window behind the run's state, and exactly current after every
// status change. One write is in flight at a time; whatever arrives meanwhile is folded into the next one.
// It never writes a file the schema refuses (every reader would take the run for corrupt): such a state is a bug,
// reported once, and the last good file stays until the state parses again.
export class MetadataWriter {
  writes = 0;
  /** States not written because the check refused them. */
  refused = 0;
  private refusing = false;
  private dirty = false;
  private urgent = false;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastStart = 0;
  private failure: unknown = null;

  constructor(
    /** Where to write. */
    private readonly file: string,
    /** Serializes the newest state at the moment of writing. */
    private readonly snapshot: () => string,
    private readonly options: WriterOptions = {},
  ) {}

  /** Marks the state changed; `urgent` writes as soon as the disk is free. */
  mark(urgent: boolean): void {
    this.dirty = true;
    if (urgent) this.urgent = true;
    this.pump();
  }

  /** Waits until everything marked so far is on disk; throws the last write failure, if any. */
  async flush(): Promise<void> {
    while (this.inFlight || this.dirty) {
      if (this.dirty) this.urgent = true;
      this.pump();
      if (this.inFlight) await this.inFlight;
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
  }

  private pump(): void {
    if (this.inFlight || !this.dirty) return;
    const wait = this.urgent ? 0 : this.lastStart + COALESCE_MS - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty = false;
    this.urgent = false;
    this.lastStart = Date.now();
    const text = this.snapshot();
    // At most one parse per write, and writes are coalesced to 20 a second: affordable (see bench/progress-flood.ts).
    const refusal = (this.options.check ?? refusedByRunSchema)(text);
    if (refusal !== null) return this.refuse(refusal);
    this.inFlight = writeAtomic(this.file, text)
      .then(
        () => {
          this.writes++;
          this.refusing = false;
        },
        (error: unknown) => {
          this.failure = error;
        },
      )
      .finally(() => {
        this.inFlight = null;
        this.pump();
      });
  }

  private refuse(reason: string): void {
    this.refused++;
    if (this.refusing) return; // one line per spell, not one per coalesced write
    this.refusing = true;
    const error = new PipeError('ERR_INTERNAL', `${this.file} not written, the last good one is kept: the run's state does not match schema 1 (${reason})`);
    (this.options.warn ?? logLine)(`${error.code}: ${error.message}`);
  }
}

/** The check readers apply (src/workspace/run-reader.ts), on exactly the text they would read. */
export function refusedByRunSchema(text: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  const parsed = RunMetadata.safeParse(json);
  return parsed.success ? null : (formatIssues(parsed.error)[0] ?? 'no reason given');
}

const logLine = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
