import { open } from 'node:fs/promises';
import { useEffect, useState } from 'react';
import type { Entity } from '../../shared/metadata-schema.js';
import { renderEntity } from '../../workspace/entity-files.js';

/** Bytes of an entity read for display: a large one is shown by its start. */
const MAX_BYTES = 256 * 1024;

// The rendered content of one entity file, or null while it loads.
export function useEntityContent(file: string | null, entity: Entity | null): string | null {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    setText(null);
    if (!file || !entity) return;
    let live = true;
    void (async () => {
      const handle = await open(file, 'r').catch(() => null);
      if (!handle) return live && setText(`(${file} cannot be read)`);
      try {
        const buffer = Buffer.alloc(MAX_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, MAX_BYTES, 0);
        if (live) setText(renderEntity(entity, buffer.subarray(0, bytesRead)));
      } finally {
        await handle.close();
      }
    })();
    return () => {
      live = false;
    };
  }, [file, entity]);
  return text;
}
