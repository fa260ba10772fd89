import type { Command } from '../../shared/protocol.js';
import { ensureDaemon } from '../../client/daemon-launcher.js';
import { printJson } from '../cli-output.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

/**
 * A cancel is answered once the run has stopped: SIGTERM, SIGKILL 3 s later, or a Slurm job's scancel and its end
 * seen by polling (each Slurm command may take 30 s). Longer than the default deadline, still never a hang.
 */
const CANCEL_TIMEOUT_MS = 120_000;

// cancel, resume, approve and reset: one request to the daemon each, the answer printed.
export async function controlCommand(body: Command, options: CommonOptions, done: string): Promise<number> {
  const connection = await ensureDaemon(resolveWorkspace(options));
  try {
    const result = await connection.request(body, body.command === 'cancel' ? { timeoutMs: CANCEL_TIMEOUT_MS } : {});
    if (options.json) printJson(result);
    else process.stdout.write(`${result.run_id}: ${done} (now ${result.status})\n`);
    return 0;
  } finally {
    connection.close();
  }
}
