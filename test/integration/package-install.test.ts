import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

const temp = async (name: string): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), `pipe-tui-${name}-`));
  made.push(dir);
  return dir;
};

// npm quietly, and from its cache only: an install that wanted the registry fails here rather than fetch.
const NPM_ENV = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

// The bug: `npm pack` then `npm install -g ./pipe-tui-0.1.0.tgz` gave a pipe-tui that failed at once (no dist/ in
// the package). Packed here from the build `npm test` made (--ignore-scripts: prepack would rebuild dist/ under the
// other tests), installed into a prefix far from this repository's node_modules, and run.
describe('the npm package', () => {
  it('carries the built program and needs nothing fetched: installed offline into a prefix, it runs', async () => {
    const packs = await temp('pack');
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packs], { cwd: ROOT, env: NPM_ENV });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info?.files.map((f) => f.path) ?? [];
    expect(files).toContain('bin/pipe-tui.js');
    expect(files).toContain('dist/pipe-tui.js');
    expect(files.some((f) => f.startsWith('dist/chunks/'))).toBe(true);
    expect(files.filter((f) => /^(src|test|node_modules|runs|scripts)\//.test(f) || f.endsWith('.map'))).toEqual([]);

    const prefix = await temp('prefix');
    const installed = await execa('npm', ['install', '-g', '--offline', '--prefix', prefix, path.join(packs, info?.filename as string)], { env: NPM_ENV, reject: false });
    expect(installed.exitCode, installed.stderr).toBe(0);
    // No dependency was installed beside it: the bundle holds them all.
    expect(existsSync(path.join(prefix, 'lib', 'node_modules', 'pipe-tui', 'node_modules'))).toBe(false);
    expect(await readdir(path.join(prefix, 'lib', 'node_modules'))).toEqual(['pipe-tui']);

    const bin = path.join(prefix, 'bin', 'pipe-tui');
    const version = await execa(bin, ['--version'], { reject: false });
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toBe('0.1.0');
    const ws = await temp('ws');
    await mkdir(path.join(ws, 'pipelines'));
    await writeFile(path.join(ws, 'pipelines', 'hi.yaml'), "stages:\n  - id: a\n    run: 'echo hi'\n");
    const ran = await execa(bin, ['run', 'hi', '--foreground', '--workspace', ws], { reject: false, env: { NO_COLOR: '1' } });
    expect(ran.exitCode, ran.stderr).toBe(0);
    const ls = await execa(bin, ['ls', '--json', '--workspace', ws], { reject: false });
    expect(ls.exitCode, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { status: string }[]).map((r) => r.status)).toEqual(['succeeded']);
  }, 120_000);

  it('is built by npm pack itself (prepack), and declares no dependency to fetch', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies?: object; files: string[] };
    expect(pkg.scripts.prepack).toBe('node scripts/build.mjs');
    // No prepare: npm 11 asks before running an installed package's scripts, and one that cannot run (no scripts/)
    // would only be a misleading warning on the server.
    expect(pkg.scripts.prepare).toBeUndefined();
    expect(pkg.dependencies ?? {}).toEqual({});
  });
});
