import { execa, type ResultPromise } from 'execa';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '../../bin/pipe-tui.js');

// The built binary, as a user runs it (`npm test` builds first).
export function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ResultPromise<{ reject: false }> {
  return execa('node', [BIN, ...args], { reject: false, cwd: options.cwd, env: { NO_COLOR: '1', ...options.env } });
}
