import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PipeError } from '../../shared/errors.js';
import { MAX_ITEMS, type StageSpec } from '../../shared/pipeline-schema.js';
import { writeAtomic } from '../../workspace/atomic-write.js';
import { readItemsFile } from '../../workspace/items-file.js';
import { PRIVATE_DIR_MODE, itemsFile } from '../../workspace/layout.js';

// A fan-out stage's items: read from its `foreach` the first time the stage starts, and kept in the run folder,
// so a resume runs the same items under the same indexes even if the file or parameter has changed since.

/** An item reaches the stage in its environment: no NUL, and not a megabyte. */
const MAX_ITEM_CHARS = 64 * 1024;
const RUN_DIR_PREFIX = '$PIPE_RUN_DIR/';
/** A `foreach: { file }` larger than this is not a list of items. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface ItemSource {
  workspace: string;
  runDir: string;
  index: number;
  params: Record<string, string>;
}

/** The items, from the run folder when the stage read them before, else from its `foreach` (then saved). */
export async function stageItems(stage: StageSpec, source: ItemSource, reuse: boolean): Promise<string[]> {
  if (reuse) {
    const saved = await readItemsFile(source.runDir, source.index, stage.id);
    if (saved) return saved;
  }
  const items = checked(stage, await readForeach(stage, source));
  const file = itemsFile(source.runDir, source.index, stage.id);
  await mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  await writeAtomic(file, `${JSON.stringify({ stage: stage.id, items })}\n`);
  return items;
}

async function readForeach(stage: StageSpec, source: ItemSource): Promise<string[]> {
  const foreach = stage.foreach;
  if (!foreach) return [];
  if (Array.isArray(foreach)) return foreach;
  if ('param' in foreach) {
    const value = source.params[foreach.param] ?? '';
    // One item a line when there are lines, else comma separated: `-p langs=en,de,fr`.
    return split(value, value.includes('\n') ? '\n' : ',');
  }
  // `$PIPE_RUN_DIR/…`: a file an earlier stage wrote in this run's own folder, where runs side by side never clash.
  const inRun = foreach.file.startsWith(RUN_DIR_PREFIX);
  const file = inRun ? path.resolve(source.runDir, foreach.file.slice(RUN_DIR_PREFIX.length)) : path.resolve(source.workspace, stage.cwd ?? '.', foreach.file);
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new PipeError('ERR_ITEMS_INVALID', `foreach file ${foreach.file} is not a regular file`);
    if (info.size > MAX_FILE_BYTES) throw new PipeError('ERR_ITEMS_INVALID', `foreach file ${foreach.file} is larger than 16 MiB`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof PipeError) throw error;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PipeError('ERR_ITEMS_INVALID', `foreach file ${foreach.file} ${missing ? 'does not exist (should an earlier stage have written it?)' : `cannot be read: ${(error as Error).message}`}`);
  }
  // A JSON array of strings or numbers, else one item a line.
  if (text.trimStart().startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PipeError('ERR_ITEMS_INVALID', `foreach file ${foreach.file} starts like a JSON array but is not valid JSON`);
    }
    if (!Array.isArray(json) || !json.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
      throw new PipeError('ERR_ITEMS_INVALID', `foreach file ${foreach.file} must be a JSON array of strings or numbers`);
    }
    return json.map(String);
  }
  return split(text, '\n');
}

const split = (text: string, on: string): string[] => text.split(on).map((s) => s.trim()).filter(Boolean);

function checked(stage: StageSpec, items: string[]): string[] {
  if (items.length > MAX_ITEMS) throw new PipeError('ERR_ITEMS_INVALID', `stage ${stage.id} has ${items.length} items; at most ${MAX_ITEMS}`);
  const bad = items.findIndex((item) => item.includes('\0') || item.length > MAX_ITEM_CHARS);
  if (bad >= 0) throw new PipeError('ERR_ITEMS_INVALID', `item ${bad} of stage ${stage.id} holds a NUL or is longer than 64 KiB: it cannot travel in an environment variable`);
  return items;
}
