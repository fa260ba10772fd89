// One ESM file for the whole CLI: Node 20 loads it in about half the time of the same code as many tsc modules,
// which a TUI opened over SSH many times a day feels.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/pipe-tui.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
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
  logLevel: 'warning',
});
