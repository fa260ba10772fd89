import { waitFor } from './workspace.js';

interface Framed {
  lastFrame(): string | undefined;
}

/** Waits (20 s at most) for an Ink app's screen to match; on a timeout the error shows the last frame. */
export const screenOf = (app: Framed) => (pattern: RegExp | ((frame: string) => boolean), what = `the screen to show ${pattern}`): Promise<string> =>
  waitFor(what, () => {
    const frame = app.lastFrame() ?? '';
    return (typeof pattern === 'function' ? pattern(frame) : pattern.test(frame)) ? frame : null;
  }, 20_000).catch((error: Error) => {
    throw new Error(`${error.message}\n--- last frame ---\n${app.lastFrame()}`);
  });
