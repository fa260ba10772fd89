// A bundle rather than tsc's many modules: Node 20 loads it in about half the time, which a TUI opened over SSH
// many times a day feels.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { yogaNoFetch } from './yoga-no-fetch.mjs';

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
