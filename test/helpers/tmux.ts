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

// Each session on a server of its own: killing a test's last session ends its server, and a session started that
// instant on the same server failed with "server exited unexpectedly" (seen on a loaded machine).
const tmuxOn = (socket: string) => (...args: string[]) => execa('tmux', ['-L', socket, ...args], { reject: false });

export class TmuxSession {
  private readonly tmux: ReturnType<typeof tmuxOn>;

  private constructor(readonly name: string) {
    this.tmux = tmuxOn(`pipe-tui-test-${process.pid}-${name}`);
  }

  static async start(command: string, options: { width?: number; height?: number; env?: Record<string, string> } = {}): Promise<TmuxSession> {
    const session = new TmuxSession(`s${Math.random().toString(36).slice(2, 8)}`);
    const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const started = await session.tmux('new-session', '-d', '-s', session.name, '-x', String(options.width ?? 80), '-y', String(options.height ?? 24), ...env, command);
    if (started.exitCode !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
    return session;
  }

  /** The screen's text; with `escapes`, the SGR sequences tmux holds for its cells' colours and attributes too (-e). */
  async capture(options: { escapes?: boolean } = {}): Promise<string> {
    return String((await this.tmux('capture-pane', '-p', ...(options.escapes ? ['-e'] : []), '-t', this.name)).stdout);
  }

  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', this.name, ...keys);
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
    await this.tmux('kill-session', '-t', this.name);
  }
}
