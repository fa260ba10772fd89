import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, expect, it } from 'vitest';
import { isRunId } from '../../src/shared/names.js';
import { removeWorkspaces, tempWorkspace } from '../helpers/workspace.js';

afterEach(removeWorkspaces);

const SCRIPT = path.join(import.meta.dirname, '../helpers/create-folders.ts');

it('gives 100 runs created at once by 4 processes 100 distinct, valid, sortable ids', async () => {
  const ws = await tempWorkspace();
  const outputs = await Promise.all(Array.from({ length: 4 }, () => execa('node', ['--import', 'tsx', SCRIPT, ws, '25'])));
  const ids = outputs.flatMap((o) => String(o.stdout).trim().split('\n'));
  expect(ids).toHaveLength(100);
  expect(new Set(ids).size).toBe(100);
  expect(ids.every(isRunId)).toBe(true);
  expect((await readdir(path.join(ws, 'runs'))).sort()).toEqual([...ids].sort());
});
