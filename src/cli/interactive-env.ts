import { COMMAND_NAMES } from './command-table.js';

// Ink renders nothing live when it believes it runs in CI (it reads $CI once, as it loads). A person who types
// `pipe-tui` in a terminal wants the screen whatever their environment says, so for the TUI the variables are
// hidden until Ink has loaded, then given back by the TUI's entry so stages and the daemon see them unchanged.
export const hiddenCiEnv: Record<string, string> = {};

const wantsTui = !process.argv.slice(2).some((arg) => COMMAND_NAMES.has(arg)) && process.stdin.isTTY && process.stdout.isTTY;
if (wantsTui) {
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
    const value = process.env[key];
    if (value !== undefined) {
      hiddenCiEnv[key] = value;
      delete process.env[key];
    }
  }
}
