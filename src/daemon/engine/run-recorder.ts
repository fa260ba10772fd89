import { closeSync, openSync, readlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { applyEvent } from '../../shared/apply-event.js';
import { PipeError, toPipeError } from '../../shared/errors.js';
import { type RunEvent, type RunEventBody, isStatusChange } from '../../shared/events.js';
import type { Entity, RunMetadata, StageError } from '../../shared/metadata-schema.js';
import { entityFileName } from '../../shared/names.js';
import { copyAtomic, writeAtomic } from '../../workspace/atomic-write.js';
import { maxEntityBytes } from './entity-cap.js';
import { MetadataWriter } from './metadata-writer.js';
import { EVENTS_FILE, METADATA_FILE, PRIVATE_FILE_MODE } from '../../workspace/layout.js';

export type EventListener = (event: RunEvent, state: RunMetadata) => void;

// Owns one run folder while the run is live: numbers events, folds them through applyEvent, appends them to
// events.ndjson (synchronously, so the log is never behind metadata.json) and keeps metadata.json current.
export class RunRecorder {
  private current: RunMetadata;
  private readonly eventsFd: number;
  private readonly writer: MetadataWriter;
  private readonly folder: FollowedFolder;
  private readonly listeners = new Set<EventListener>();
  private nextEntity: number;
  private failure: PipeError | null = null;
  /** The run.created event of a run made by create(). */
  created!: RunEvent;
  private sealed = false;

  constructor(
    /** The run's folder. */
    readonly dir: string,
    /** State to continue from: the run.created fold for a new run, metadata.json for a resumed one. */
    initial: RunMetadata,
  ) {
    this.current = initial;
    this.nextEntity = initial.entities.reduce((max, e) => Math.max(max, e.sequence), 0) + 1;
    this.eventsFd = openSync(path.join(dir, EVENTS_FILE), 'a', PRIVATE_FILE_MODE);
    this.folder = followFolder(dir);
    this.writer = new MetadataWriter(() => path.join(this.folder.path(), METADATA_FILE), () => `${JSON.stringify(this.current, null, 2)}\n`);
  }

  // A new run: its first event makes its first state.
  static create(dir: string, created: Omit<Extract<RunEvent, { type: 'run.created' }>, 'seq' | 'at'>): RunRecorder {
    const event: RunEvent = { ...created, seq: 1, at: new Date().toISOString() };
    const state = applyEvent(null, event);
    if (!state) throw new PipeError('ERR_INTERNAL', 'run.created produced no state');
    const recorder = new RunRecorder(dir, state);
    recorder.created = event;
    recorder.append(event);
    recorder.writer.mark(true);
    return recorder;
  }

  get state(): RunMetadata {
    return this.current;
  }

  get metadataWrites(): number {
    return this.writer.writes;
  }

  /** Called after every event, with the state it produced. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After this, events are dropped: the daemon is going down and has written the run's last word. */
  seal(): void {
    this.sealed = true;
  }

  emit(body: RunEventBody): RunEvent {
    if (this.sealed) return { ...body, seq: this.current.seq, run_id: this.current.run_id, at: new Date().toISOString() } as RunEvent;
    const event = { ...body, seq: this.current.seq + 1, run_id: this.current.run_id, at: new Date().toISOString() } as RunEvent;
    this.append(event);
    this.current = applyEvent(this.current, event) ?? this.current;
    this.writer.mark(isStatusChange(event));
    for (const listener of this.listeners) listener(event, this.current);
    return event;
  }

  // The sequence number is taken before the copy starts, so entities keep the order they were announced in.
  // `from` says where the source must lie (the real workspace) and how the stage named it.
  async addEntity(
    stage: string | null,
    type: string,
    source: string,
    metadata: Record<string, unknown>,
    from: { within?: string; named?: string } = {},
  ): Promise<Entity> {
    const maxBytes = maxEntityBytes();
    const sequence = this.nextEntity++;
    const filename = entityFileName(sequence, type, entityExtension(source));
    let size: number;
    try {
      size = await copyAtomic(source, path.join(this.dir, filename), { maxBytes, ...from });
    } catch (error) {
      // A failed copy gives its number back, so the folder keeps 01, 02, 03… without holes.
      if (this.nextEntity === sequence + 1) this.nextEntity = sequence;
      throw error;
    }
    const entity: Entity = { sequence, type, filename, stage, timestamp: new Date().toISOString(), size, metadata };
    this.emit({ type: 'entity.added', entity });
    return entity;
  }

  async addErrorEntity(stage: string | null, error: StageError): Promise<Entity> {
    const sequence = this.nextEntity++;
    const filename = entityFileName(sequence, 'error', '.json');
    const { code, message, ...details } = error;
    const body = { code, message, stage, run_id: this.current.run_id, ...details };
    const text = `${JSON.stringify(body, null, 2)}\n`;
    await writeAtomic(path.join(this.dir, filename), text);
    const entity: Entity = {
      sequence, type: 'error', filename, stage, timestamp: error.at, size: Buffer.byteLength(text), metadata: { code: error.code },
    };
    this.emit({ type: 'entity.added', entity });
    return entity;
  }

  /** Throws ERR_IO if an event could not be written, so a run never ends `succeeded` on a broken record. */
  assertHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits until metadata.json holds the current state; throws ERR_IO if any write of this run failed. */
  async flush(): Promise<void> {
    try {
      await this.writer.flush();
    } catch (error) {
      this.failure ??= toPipeError(error, 'ERR_IO');
    }
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      closeSync(this.eventsFd);
      this.writer.close();
      // Held while a failed write is still to be tried: a closed descriptor's number could name another file.
      void this.writer.settled().then(() => this.folder.close());
    }
  }

  // Called from stream handlers: a failure (a full disk) is kept for flush() to report, never thrown from here.
  private append(event: RunEvent): void {
    if (this.failure) return;
    try {
      writeSync(this.eventsFd, `${JSON.stringify(event)}\n`);
    } catch (error) {
      this.failure = toPipeError(error, 'ERR_IO');
    }
  }
}

// `sources.tar.gz` keeps `.tar.gz`; otherwise the last extension, which says how to show the file.
function entityExtension(file: string): string {
  const ext = path.extname(file);
  const inner = path.extname(path.basename(file, ext));
  return inner === '.tar' ? `${inner}${ext}` : ext;
}

interface FollowedFolder {
  path(): string;
  close(): void;
}

// The run folder where it is now: events.ndjson is appended through an open descriptor, which follows the folder
// if the workspace is renamed under a running daemon, and metadata.json must land beside it, not at the old path.
// Linux names a descriptor's current path in /proc/self/fd; elsewhere the folder is taken to stay put.
function followFolder(dir: string): FollowedFolder {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return { path: () => dir, close: () => undefined };
  }
  const link = `/proc/self/fd/${fd}`;
  return {
    path: () => {
      if (fd === null) return dir;
      try {
        const now = readlinkSync(link);
        return now.endsWith(' (deleted)') || !now.startsWith('/') ? dir : now;
      } catch {
        return dir;
      }
    },
    close: () => {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
