import path from 'node:path';
import { PipeError } from '../shared/errors.js';
import type { Entity, RunMetadata } from '../shared/metadata-schema.js';
import { ENTITY_TYPE } from '../shared/names.js';
import { runDir } from './layout.js';

// An entity by sequence number or by type (the newest of it); its file name is checked before it names a path.
export function findEntity(run: RunMetadata, ref: string): Entity {
  const entity = /^\d+$/.test(ref)
    ? run.entities.find((e) => e.sequence === Number(ref))
    : ENTITY_TYPE.test(ref)
      ? [...run.entities].reverse().find((e) => e.type === ref)
      : undefined;
  if (!entity) {
    const known = run.entities.map((e) => `${e.sequence}:${e.type}`).join(', ') || 'none';
    throw new PipeError('ERR_ENTITY_NOT_FOUND', `run ${run.run_id} has no entity ${JSON.stringify(ref)} (entities: ${known})`);
  }
  return entity;
}

export function entityPath(workspace: string, run: RunMetadata, entity: Entity): string {
  if (!/^\d{2,}_[A-Za-z0-9][A-Za-z0-9_-]{0,63}(\.[A-Za-z0-9]{1,16}){0,2}$/.test(entity.filename)) {
    throw new PipeError('ERR_METADATA_CORRUPT', `entity file name ${JSON.stringify(entity.filename)} is not valid`);
  }
  return path.join(runDir(workspace, run.run_id), entity.filename);
}

/** How an entity is shown: text as text, JSON pretty-printed, anything else as its type and size. */
export function renderEntity(entity: Entity, bytes: Buffer): string {
  const ext = path.extname(entity.filename).toLowerCase();
  const text = bytes.includes(0) ? null : bytes.toString('utf8');
  if (text !== null && ext === '.json') {
    try {
      return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
    } catch {
      return text;
    }
  }
  if (text !== null && !text.includes('\uFFFD')) return text;
  return `(${entity.type}, ${ext || 'no extension'}, ${bytes.length} bytes: not text)\n`;
}
