import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { PipeError } from '../shared/errors.js';
import { WorkspaceConfig } from '../shared/workspace-config-schema.js';

export const CONFIG_FILE = 'pipe-tui.yaml';
const MAX_BYTES = 64 * 1024;

export const configPath = (workspace: string): string => path.join(workspace, CONFIG_FILE);

/** The workspace's settings; `{}` when there is no pipe-tui.yaml; ERR_CONFIG_INVALID, with where, when it is wrong. */
export async function readWorkspaceConfig(workspace: string): Promise<WorkspaceConfig> {
  const file = configPath(workspace);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new PipeError('ERR_CONFIG_INVALID', `${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (text.length > MAX_BYTES) throw new PipeError('ERR_CONFIG_INVALID', `${file} is larger than ${MAX_BYTES / 1024} KiB`);
  let json: unknown;
  try {
    json = parse(text) ?? {};
  } catch (cause) {
    throw new PipeError('ERR_CONFIG_INVALID', `${file} is not valid YAML: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  const parsed = WorkspaceConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PipeError('ERR_CONFIG_INVALID', `${file}: ${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
