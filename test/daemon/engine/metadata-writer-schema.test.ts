import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetadataWriter } from '../../../src/daemon/engine/metadata-writer.js';
import { RunMetadata } from '../../../src/shared/metadata-schema.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/runs/v1/metadata.json');

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pipe-tui-writer-schema-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The writer as the run recorder makes it: the real schema, the state serialized at the moment of writing.
async function realWriter() {
  const state = RunMetadata.parse(JSON.parse(await readFile(FIXTURE, 'utf8')));
  const file = path.join(dir, 'metadata.json');
  const warnings: string[] = [];
  const writer = new MetadataWriter(file, () => `${JSON.stringify(state, null, 2)}\n`, { warn: (line) => warnings.push(line) });
  const read = async () => RunMetadata.parse(JSON.parse(await readFile(file, 'utf8')));
  return { state, writer, warnings, read };
}

describe('MetadataWriter never writes a metadata.json its schema refuses', () => {
  it('keeps the last good file and logs ERR_INTERNAL once when the state would not parse, then writes again once it does', async () => {
    const { state, writer, warnings, read } = await realWriter();
    writer.mark(true);
    await writer.flush();
    expect(writer.writes).toBe(1);

    // Infinity is written by JSON as null, which the schema refuses: such a file would show the run as corrupt.
    const stage = state.stages[1];
    if (!stage?.progress) throw new Error('fixture stage 1 has progress');
    stage.progress.current = Infinity;
    state.total_cost_usd = Infinity;
    for (let i = 0; i < 3; i++) {
      state.seq += 1;
      writer.mark(true);
      await writer.flush();
    }
    expect(writer.writes).toBe(1);
    expect((await read()).seq).toBe(state.seq - 3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ERR_INTERNAL/);
    expect(warnings[0]).toContain('metadata.json');
    expect(warnings[0]).toContain('stages.1.progress.current');

    stage.progress.current = 5;
    state.total_cost_usd = 1;
    writer.mark(true);
    await writer.flush();
    expect(writer.writes).toBe(2);
    expect(await read()).toMatchObject({ seq: state.seq, total_cost_usd: 1 });
    expect(await readdir(dir)).toEqual(['metadata.json']);
  });

  it('writes nothing at all when the very first state is refused', async () => {
    const { state, writer, warnings } = await realWriter();
    state.total_cost_usd = Number.NaN;
    writer.mark(true);
    await writer.flush();
    expect(writer.writes).toBe(0);
    expect(await readdir(dir)).toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});
