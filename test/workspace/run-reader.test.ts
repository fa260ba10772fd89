import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { listRunIds, parseMetadata, readRun, requireRun } from '../../src/workspace/run-reader.js';
import { createRunFolder } from '../../src/daemon/engine/run-folder.js';
import { runDir, runsDir } from '../../src/workspace/layout.js';
import { applyEvent } from '../../src/shared/apply-event.js';
import { PipeError } from '../../src/shared/errors.js';
import { isRunId } from '../../src/shared/names.js';
import type { RunMetadata } from '../../src/shared/metadata-schema.js';

let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-store-'));
});

afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

function sampleMetadata(runId: string): RunMetadata {
  const state = applyEvent(null, {
    type: 'run.created',
    seq: 1,
    run_id: runId,
    at: '2026-01-01T00:00:00.000Z',
    pipeline: 'podcast',
    params: { topic: 'rainbows' },
    stages: [{ id: 'prepare', optional: false, max_attempts: 1, outputs: [] }],
  });
  if (!state) throw new Error('no state');
  return state;
}

async function writeMetadata(runId: string, text: string): Promise<void> {
  await mkdir(runDir(workspace, runId), { recursive: true });
  await writeFile(path.join(runDir(workspace, runId), 'metadata.json'), text);
}

describe('runDir', () => {
  it('puts a valid run id under runs/', () => {
    expect(runDir(workspace, '20260101-000000-000-abc123')).toBe(path.join(workspace, 'runs', '20260101-000000-000-abc123'));
    expect(runsDir(workspace)).toBe(path.join(workspace, 'runs'));
  });

  it.each(['../etc', 'a/b', '..', '.', '', '/etc/passwd', 'a\\..\\b', 'x'.repeat(129), 'a..b'])('refuses %j with ERR_RUN_ID_INVALID', (id) => {
    let thrown: unknown;
    try {
      runDir(workspace, id);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PipeError);
    expect((thrown as PipeError).code).toBe('ERR_RUN_ID_INVALID');
  });

  it('keeps a huge invalid id out of the error message', () => {
    expect(() => runDir(workspace, `../${'x'.repeat(10_000)}`)).toThrow(/^not a run id: ".{1,200}$/);
  });
});

describe('createRunFolder', () => {
  it('creates the run folder with its logs folder', async () => {
    const { runId, dir } = await createRunFolder(workspace);
    expect(isRunId(runId)).toBe(true);
    expect(dir).toBe(runDir(workspace, runId));
    expect((await stat(dir)).isDirectory()).toBe(true);
    expect((await stat(path.join(dir, 'logs'))).isDirectory()).toBe(true);
  });

  it('gives 100 concurrent calls 100 distinct valid ids, each with its folder', async () => {
    const created = await Promise.all(Array.from({ length: 100 }, () => createRunFolder(workspace)));
    const ids = created.map((c) => c.runId);
    expect(new Set(ids).size).toBe(100);
    for (const { runId, dir } of created) {
      expect(isRunId(runId), runId).toBe(true);
      expect((await stat(path.join(dir, 'logs'))).isDirectory()).toBe(true);
    }
    expect((await listRunIds(workspace)).sort()).toEqual([...ids].sort());
  });
});

describe('readRun', () => {
  it('reads a valid metadata.json', async () => {
    const id = '20260101-000000-000-abc123';
    const metadata = sampleMetadata(id);
    await writeMetadata(id, JSON.stringify(metadata));
    const read = await readRun(workspace, id);
    expect(read).toEqual({ ok: true, run: metadata });
    await expect(requireRun(workspace, id)).resolves.toEqual(metadata);
  });

  it('reports a missing run as ERR_RUN_NOT_FOUND, not a throw', async () => {
    const read = await readRun(workspace, '20260101-000000-000-nope00');
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.runId).toBe('20260101-000000-000-nope00');
    expect(read.error.code).toBe('ERR_RUN_NOT_FOUND');
    await expect(requireRun(workspace, '20260101-000000-000-nope00')).rejects.toMatchObject({ code: 'ERR_RUN_NOT_FOUND' });
  });

  it('reports a run folder without metadata.json as ERR_RUN_NOT_FOUND', async () => {
    const { runId } = await createRunFolder(workspace);
    const read = await readRun(workspace, runId);
    expect(read.ok ? null : read.error.code).toBe('ERR_RUN_NOT_FOUND');
  });

  it.each([
    ['truncated JSON', '{"schema_version": 1, "run_id": '],
    ['empty file', ''],
    ['binary junk', '\u0000\u0001\u0002'],
  ])('reports %s as ERR_METADATA_CORRUPT', async (_name, text) => {
    const id = '20260101-000000-000-bad001';
    await writeMetadata(id, text);
    const read = await readRun(workspace, id);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error).toBeInstanceOf(PipeError);
    expect(read.error.code).toBe('ERR_METADATA_CORRUPT');
  });

  it('reports JSON of the wrong shape as ERR_METADATA_CORRUPT naming where', async () => {
    const id = '20260101-000000-000-bad002';
    const metadata = { ...sampleMetadata(id), status: 'exploded' };
    await writeMetadata(id, JSON.stringify(metadata));
    const read = await readRun(workspace, id);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error.code).toBe('ERR_METADATA_CORRUPT');
    expect(read.error.message).toContain('status');
  });

  it('refuses an invalid run id before touching the disk', async () => {
    await expect(readRun(workspace, '../etc')).rejects.toMatchObject({ code: 'ERR_RUN_ID_INVALID' });
  });
});

describe('parseMetadata', () => {
  it('round-trips what applyEvent produces', () => {
    const metadata = sampleMetadata('r1');
    expect(parseMetadata('r1', JSON.stringify(metadata, null, 2))).toEqual({ ok: true, run: metadata });
  });

  it('refuses another schema version: a newer one as ERR_METADATA_VERSION, anything else as corrupt', () => {
    const newer = parseMetadata('r1', JSON.stringify({ ...sampleMetadata('r1'), schema_version: 3 }));
    expect(newer.ok ? null : newer.error.code).toBe('ERR_METADATA_VERSION');
    for (const version of [0, '1', null]) {
      const read = parseMetadata('r1', JSON.stringify({ ...sampleMetadata('r1'), schema_version: version }));
      expect(read.ok ? null : read.error.code).toBe('ERR_METADATA_CORRUPT');
    }
  });
});

describe('listRunIds', () => {
  it('is empty when there is no runs folder', async () => {
    expect(await listRunIds(workspace)).toEqual([]);
  });

  it('lists run ids newest first, leaving out names that are not run ids', async () => {
    const ids = ['20260101-000000-000-aaaaaa', '20260102-000000-000-aaaaaa', '20251231-235959-999-zzzzzz'];
    for (const id of ids) await mkdir(runDir(workspace, id), { recursive: true });
    await mkdir(path.join(runsDir(workspace), '.hidden'));
    await writeFile(path.join(runsDir(workspace), '.DS_Store'), '');
    expect(await listRunIds(workspace)).toEqual(['20260102-000000-000-aaaaaa', '20260101-000000-000-aaaaaa', '20251231-235959-999-zzzzzz']);
  });
});
