import { copyFile, open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

// write-file-atomic does the temp-file-in-the-same-folder, fsync and rename dance, and queues concurrent writes
// to one path so the newest always lands last: exactly what coalesced metadata.json writes need.
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await writeFileAtomic(file, data, { fsync: true });
}

// Entities can be large, so they are copied (kernel-side where possible), not read into memory.
export async function copyAtomic(source: string, target: string): Promise<number> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await copyFile(source, tmp);
    const handle = await open(tmp, 'r+');
    let size: number;
    try {
      await handle.sync();
      size = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    return size;
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}
