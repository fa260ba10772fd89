import { render } from 'ink';
import { PipeError } from '../shared/errors.js';
import { App } from './App.js';
import { DisplayContext } from './display.js';
import { hiddenCiEnv } from '../cli/interactive-env.js';

export interface TuiOptions {
  workspace: string;
  ascii: boolean;
}

// `pipe-tui` with no command. Keys need a terminal: without one, say so and leave.
export async function runTui(options: TuiOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new PipeError('ERR_USAGE', 'the TUI needs a terminal; in scripts use pipe-tui ls, status, logs (with --json)');
  }
  Object.assign(process.env, hiddenCiEnv);
  const display = { ascii: options.ascii, color: !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb' };
  const app = render(
    <DisplayContext.Provider value={display}>
      <App workspace={options.workspace} />
    </DisplayContext.Provider>,
    { maxFps: 30, exitOnCtrlC: true, patchConsole: false },
  );
  await app.waitUntilExit();
  return 0;
}
