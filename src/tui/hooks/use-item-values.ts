import { useEffect, useState } from 'react';
import { readItemsFile } from '../../workspace/items-file.js';

export interface ItemsSource {
  runDir: string;
  stage: { index: number; id: string };
  /** The stage's item count: a new count (the stage read its `foreach` afresh) reads the file again. */
  total: number;
}

/** What the item list knows of the items' values: null while being read, or when there is no file to read. */
export interface ItemValues {
  values: string[] | null;
  /** Why the file could not be read (a corrupt one), for the list to say. */
  error: string | null;
}

const NONE: ItemValues = { values: null, error: null };

// A fan-out stage's item values (items/03_tts.json), read once when its item list opens, and again only when the
// stage's count of items changes: not at each item event, however many thousands of items there are.
export function useItemValues(source: ItemsSource | null): ItemValues {
  const key = source ? `${source.runDir}\n${source.stage.index}\n${source.stage.id}\n${source.total}` : null;
  const [read, setRead] = useState<{ key: string; values: ItemValues } | null>(null);
  useEffect(() => {
    if (!key || !source) return;
    let live = true;
    void readItemsFile(source.runDir, source.stage.index, source.stage.id).then(
      (values) => live && setRead({ key, values: { values, error: null } }),
      (error: Error) => live && setRead({ key, values: { values: null, error: error.message } }),
    );
    return () => {
      live = false;
    };
    // `key` says all of `source` that matters.
  }, [key]);
  return read && read.key === key ? read.values : NONE;
}
