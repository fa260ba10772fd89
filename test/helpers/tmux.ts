import { execa, execaSync } from 'execa';
import { waitFor } from './workspace.js';

// A real terminal for end-to-end tests: a detached tmux session on a private server socket.
export const hasTmux = (() => {
  try {
    execaSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

const SOCKET = `pipe-tui-test-${process.pid}`;
const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args], { reject: false });

export class TmuxSession {
  private constructor(readonly name: string) {}

  static async start(command: string, options: { width?: number; height?: number; env?: Record<string, string> } = {}): Promise<TmuxSession> {
    const name = `s${Math.random().toString(36).slice(2, 8)}`;
    const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const started = await tmux('new-session', '-d', '-s', name, '-x', String(options.width ?? 80), '-y', String(options.height ?? 24), ...env, command);
    if (started.exitCode !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
    return new TmuxSession(name);
  }

  async capture(): Promise<string> {
    return String((await tmux('capture-pane', '-p', '-t', this.name)).stdout);
  }

  async keys(...keys: string[]): Promise<void> {
    await tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Waits until the screen shows `pattern`; fails with the last screen in the message. */
  async waitForScreen(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    let screen = '';
    try {
      return await waitFor(`screen to show ${pattern}`, async () => {
        screen = await this.capture();
        return pattern.test(screen) ? screen : null;
      }, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- last screen ---\n${screen}`);
    }
  }

  async kill(): Promise<void> {
    await tmux('kill-session', '-t', this.name);
  }
}
