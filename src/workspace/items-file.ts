import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { PipeError } from '../shared/errors.js';
import { itemsFile } from './layout.js';

// A fan-out stage's items as it first read them: a resume runs the same items under the same indexes, whatever
// its `foreach` file or parameter says now.
export const ItemsFile = z.object({ stage: z.string(), items: z.array(z.string()) });
export type ItemsFile = z.infer<typeof ItemsFile>;

/** The stage's items, or null when none were written (the stage never started its items). */
export async function readItemsFile(runDir: string, index: number, stageId: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await readFile(itemsFile(runDir, index, stageId), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const parsed = ItemsFile.safeParse(json);
  if (!parsed.success || parsed.data.stage !== stageId) throw new PipeError('ERR_METADATA_CORRUPT', `items/${String(index).padStart(2, '0')}_${stageId}.json is not a list of items`);
  return parsed.data.items;
}
