import type { ReactNode } from 'react';
import { render } from 'ink';
import { PipeError } from '../shared/errors.js';
import { DisplayContext } from './display.js';
import { StartScreen } from './components/StartScreen.js';

export interface TuiOptions {
  workspace: string;
  ascii: boolean;
  bell: boolean;
  /** Variables hidden from Ink while it loaded (CI and the like), given back once it has. */
  hiddenEnv?: Record<string, string>;
}

// `pipe-tui` with no command. Keys need a terminal: without one, say so and leave.
export async function runTui(options: TuiOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new PipeError('ERR_USAGE', 'the TUI needs a terminal; in scripts use pipe-tui ls, status, logs (with --json)');
  }
  Object.assign(process.env, options.hiddenEnv ?? {});
  const display = { ascii: options.ascii, color: !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb' };
  const screen = (body: ReactNode) => <DisplayContext.Provider value={display}>{body}</DisplayContext.Provider>;
  // Drawn first, loaded second: the frame is up while the rest of the TUI (the schemas, the feed client, the runs
  // index reader) loads. Raw mode meanwhile keeps early keys unechoed and waiting in the terminal for the app to read.
  process.stdin.setRawMode(true);
  const loading = import('./App.js');
  const app = render(screen(<StartScreen workspace={options.workspace} />), { maxFps: 30, exitOnCtrlC: true, patchConsole: false });
  try {
    const { App } = await loading;
    app.rerender(screen(<App workspace={options.workspace} bell={options.bell} />));
  } catch (error) {
    app.unmount();
    process.stdin.setRawMode(false);
    throw error;
  }
  await app.waitUntilExit();
  return 0;
}
