// Yoga's Emscripten loader fetches its own embedded wasm through a data: URL whenever `fetch` exists, and on
// Node that first fetch loads undici: ~35 ms of every TUI start. Its other branch decodes the same base64
// in place. This plugin makes the loader take that branch, and fails the build if Yoga's code changes shape,
// so the saving can never silently vanish.
import { readFile } from 'node:fs/promises';

const FETCH_CHECK = '"function"!=typeof fetch';
const EXPECTED = 2;

export const yogaNoFetch = {
  name: 'yoga-no-fetch',
  setup(build) {
    build.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const found = source.split(FETCH_CHECK).length - 1;
      if (found !== EXPECTED) {
        throw new Error(`yoga-no-fetch: expected ${EXPECTED} fetch checks in ${args.path}, found ${found}`);
      }
      return { contents: source.replaceAll(FETCH_CHECK, 'true'), loader: 'js' };
    });
  },
};
