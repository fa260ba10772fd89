// A bundle rather than tsc's many modules: Node 20 loads it in about half the time, which a TUI opened over SSH
// many times a day feels.
//
// `--if-stale` (npm start, prepare) builds only when a source is newer than the last build: a bundle takes seconds,
// and most starts change nothing. The last build is dist/.built, stamped with the time the build began, so a file
// saved while it ran counts as newer.
import { readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What the bundle is made from: the sources, this script and its helpers, and the exact dependencies. */
const SOURCES = ['src', 'scripts', 'package.json', 'package-lock.json'];
const STAMP = 'dist/.built';

function newestChange(entry) {
  let info;
  try {
    info = statSync(entry);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestChange(path.join(entry, name))), info.mtimeMs);
}

function builtAt() {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return null;
  }
}

if (process.argv.includes('--if-stale')) {
  const built = builtAt();
  if (built !== null && Math.max(...SOURCES.map(newestChange)) <= built) process.exit(0);
}

const began = new Date();
const { build } = await import('esbuild');
const { yogaNoFetch } = await import('./yoga-no-fetch.mjs');

// Chunk names carry hashes: start clean so old ones do not pile up.
rmSync('dist', { recursive: true, force: true });

await build({
  // The CLI in one file; the TUI (Ink, React, yoga) in a chunk loaded only when the TUI opens.
  entryPoints: { 'pipe-tui': 'src/cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  // React's and Ink's production code paths, with the development ones folded away: less to load at every start.
  define: { 'process.env.NODE_ENV': '"production"' },
  minifySyntax: true,
  // Bundled CommonJS packages (ws, write-file-atomic) call require() for Node built-ins and read __filename.
  banner: {
    js: [
      "import { createRequire as __pipeTuiRequire } from 'node:module';",
      "import { fileURLToPath as __pipeTuiPath } from 'node:url';",
      'const require = __pipeTuiRequire(import.meta.url);',
      'const __filename = __pipeTuiPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
  // Ink imports react-devtools-core only under DEV=true; a stub keeps the bundle whole and small.
  alias: { 'react-devtools-core': './scripts/devtools-stub.js' },
  plugins: [yogaNoFetch],
  logLevel: 'warning',
});

writeFileSync(STAMP, '');
utimesSync(STAMP, began, began);
