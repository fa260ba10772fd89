import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

// The build script in a copy of the repository whose CLI is one line: what is tested is when it builds, and the
// repository's own dist/ (which other tests run) is never touched.
async function copy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pipe-tui-build-'));
  made.push(dir);
  await cp(path.join(ROOT, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) await cp(path.join(ROOT, file), path.join(dir, file));
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  await writeSource(dir, 'one');
  return dir;
}

const writeSource = async (dir: string, word: string): Promise<void> => {
  await mkdir(path.join(dir, 'src', 'cli'), { recursive: true });
  await writeFile(path.join(dir, 'src', 'cli', 'main.ts'), `console.log('built ${word}');\n`);
};

const build = (dir: string, ...args: string[]) => execa('node', ['scripts/build.mjs', ...args], { cwd: dir, reject: false });
const runBuilt = async (dir: string): Promise<string> => (await execa('node', ['dist/pipe-tui.js'], { cwd: dir })).stdout;
// A build starts by deleting dist/: a file left there says whether the last call built.
const mark = (dir: string): Promise<void> => writeFile(path.join(dir, 'dist', 'sentinel'), '');
const rebuilt = (dir: string): boolean => !existsSync(path.join(dir, 'dist', 'sentinel'));
const stamp = async (dir: string): Promise<number> => (await stat(path.join(dir, 'dist', '.built'))).mtimeMs;

// The bug: `npm start` rebuilt at every launch, seconds before the first frame.
describe('scripts/build.mjs --if-stale (npm start)', () => {
  it('builds when there is no build, then not again until a source is newer than it', async () => {
    const dir = await copy();
    expect((await build(dir, '--if-stale')).exitCode).toBe(0);
    expect(await runBuilt(dir)).toBe('built one');

    // Nothing changed: the bundle is left as it is.
    await mark(dir);
    expect((await build(dir, '--if-stale')).exitCode).toBe(0);
    expect(rebuilt(dir)).toBe(false);

    // A source saved after the build (its time set past the stamp: no waiting on the clock): built again.
    await writeSource(dir, 'two');
    const later = new Date((await stamp(dir)) + 2000);
    await utimes(path.join(dir, 'src', 'cli', 'main.ts'), later, later);
    expect((await build(dir, '--if-stale')).exitCode).toBe(0);
    expect(await runBuilt(dir)).toBe('built two');

    // The dependencies changed (package-lock.json): built again too.
    await mark(dir);
    const newer = new Date((await stamp(dir)) + 2000);
    await utimes(path.join(dir, 'package-lock.json'), newer, newer);
    await build(dir, '--if-stale');
    expect(rebuilt(dir)).toBe(true);
  });

  it('always builds without the flag (npm run build, npm test), and npm start asks for --if-stale', async () => {
    const dir = await copy();
    await build(dir);
    await mark(dir);
    await build(dir);
    expect(rebuilt(dir)).toBe(true);
    const scripts = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.start).toBe('node scripts/build.mjs --if-stale && node bin/pipe-tui.js');
  });
});
