// Ink renders nothing live when it believes it runs in CI (it reads $CI once, as it loads). A person who types
// `pipe-tui` in a terminal wants the screen whatever their environment says, so for the TUI the variables are
// hidden until Ink has loaded, then given back (tui-main.tsx) so stages and the daemon see them unchanged.
export const hiddenCiEnv: Record<string, string> = {};

const COMMANDS = new Set(['run', 'validate', 'ls', 'status', 'logs', 'entity', 'cancel', 'resume', 'approve', 'reset', 'daemon', 'help']);
const wantsTui = !process.argv.slice(2).some((arg) => COMMANDS.has(arg)) && process.stdin.isTTY && process.stdout.isTTY;
if (wantsTui) {
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
    const value = process.env[key];
    if (value !== undefined) {
      hiddenCiEnv[key] = value;
      delete process.env[key];
    }
  }
}
