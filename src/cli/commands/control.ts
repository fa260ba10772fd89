import type { Command } from '../../shared/protocol.js';
import { ensureDaemon } from '../../client/daemon-launcher.js';
import { printJson } from '../cli-output.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

// cancel, resume, approve and reset: one request to the daemon each, the answer printed.
export async function controlCommand(body: Command, options: CommonOptions, done: string): Promise<number> {
  const connection = await ensureDaemon(resolveWorkspace(options));
  try {
    const result = await connection.request(body);
    if (options.json) printJson(result);
    else process.stdout.write(`${result.run_id}: ${done} (now ${result.status})\n`);
    return 0;
  } finally {
    connection.close();
  }
}
