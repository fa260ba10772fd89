import path from 'node:path';

export interface CommonOptions {
  /** The workspace folder: --workspace, else $PIPE_TUI_WORKSPACE, else the current directory. */
  workspace?: string;
  /** Print JSON alone on stdout. */
  json?: boolean;
}

export function resolveWorkspace(options: CommonOptions): string {
  return path.resolve(options.workspace ?? process.env.PIPE_TUI_WORKSPACE ?? process.cwd());
}
