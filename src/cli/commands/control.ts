import type { Command } from '../../shared/protocol.js';
import type { RunMetadata } from '../../shared/metadata-schema.js';
import { ensureDaemon } from '../../client/daemon-launcher.js';
import { readRun } from '../../workspace/run-reader.js';
import { printJson, saySlow } from '../cli-output.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

/**
 * A cancel is answered once the run has stopped: SIGTERM, SIGKILL 3 s later, or a Slurm job's scancel and its end
 * seen by polling (each Slurm command may take 30 s). Longer than the default deadline, still never a hang.
 */
const CANCEL_TIMEOUT_MS = 120_000;

// cancel, resume, approve and reset: one request to the daemon each, the answer printed. The daemon answers once
// the command has taken effect, so the status printed is the run's after it.
export async function controlCommand(body: Command, options: CommonOptions, done: string): Promise<number> {
  const workspace = resolveWorkspace(options);
  const connection = await ensureDaemon(workspace, { onSlow: saySlow });
  try {
    const result = await connection.request(body, body.command === 'cancel' ? { timeoutMs: CANCEL_TIMEOUT_MS } : {});
    if (options.json) printJson(result);
    else if (body.command === 'reset') process.stdout.write(`${result.run_id}: ${done}${await resetNote(workspace, result.run_id, body.to)}\n`);
    else process.stdout.write(`${result.run_id}: ${done} (now ${result.status})\n`);
    return 0;
  } finally {
    connection.close();
  }
}

// A reset leaves the run's status as it was (succeeded, failed…): what changed is its stages, so those are named,
// with what runs them. The daemon wrote metadata.json before it answered.
async function resetNote(workspace: string, runId: string, to: string): Promise<string> {
  const read = await readRun(workspace, runId).catch(() => null);
  if (!read?.ok) return '';
  const run: RunMetadata = read.run;
  const from = /^\d+$/.test(to) ? Number(to) : run.stages.findIndex((s) => s.id === to);
  const pending = run.stages.slice(Math.max(0, from)).filter((s) => s.status === 'pending').map((s) => s.id);
  return pending.length ? `: ${pending.join(', ')} pending again; pipe-tui resume ${runId} runs them` : '';
}
