import { formatBytes } from '../../shared/bytes.js';
import { toPipeError } from '../../shared/errors.js';
import { isTerminal } from '../../shared/metadata-schema.js';
import type { WorkspaceConfig } from '../../shared/workspace-config-schema.js';
import { listAllRuns } from '../../workspace/run-listing.js';
import { checkRemovable, removeRun } from '../../workspace/run-removal.js';
import { readWorkspaceConfig } from '../../workspace/workspace-config.js';

const DAY_MS = 86_400_000;

/** The runs retention would remove now: ended ones older than their kind's days, oldest first. */
export async function expiredRuns(workspace: string, retention: NonNullable<WorkspaceConfig['retention']>, now: number): Promise<string[]> {
  const keep = retention.keep_days ?? null;
  const keepFailed = retention.keep_failed_days ?? keep;
  const expired: string[] = [];
  for (const listed of await listAllRuns(workspace)) {
    if (!listed.ok || !isTerminal(listed.run.status)) continue;
    const days = listed.run.status === 'succeeded' ? keep : keepFailed;
    const ended = Date.parse(listed.run.ended_at ?? listed.run.created_at);
    if (days !== null && Number.isFinite(ended) && now - ended > days * DAY_MS) expired.push(listed.run.run_id);
  }
  return expired.reverse();
}

/**
 * Removes what retention says has expired, as `prune --yes` would: each run checked again as it goes (one that came
 * alive stays). Returns a line for the daemon's log, or null when nothing went.
 */
export async function applyRetention(workspace: string, retention: NonNullable<WorkspaceConfig['retention']>, now = Date.now()): Promise<string | null> {
  let removed = 0;
  let bytes = 0;
  for (const runId of await expiredRuns(workspace, retention, now)) {
    try {
      const run = await checkRemovable(workspace, runId);
      await removeRun(workspace, runId);
      removed++;
      bytes += run.bytes;
    } catch {
      // Came alive, or already gone: it stays (or is no more).
    }
    // A long pass yields between runs, so the daemon keeps answering.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (removed === 0) return null;
  const rules = [retention.keep_days ? `succeeded after ${retention.keep_days} days` : '', retention.keep_failed_days ? `others after ${retention.keep_failed_days} days` : ''].filter(Boolean).join(', ');
  return `retention: removed ${removed} run${removed === 1 ? '' : 's'} (${formatBytes(bytes)}; ${rules})`;
}

/** The first pass a minute after start (not in the way of recovery), then one a day. */
const FIRST_MS = Number(process.env.PIPE_TUI_RETENTION_FIRST_MS) || 60_000;

/** Applies the workspace's retention (read afresh each time, so an edit needs no restart); returns the stop. */
export function startRetention(workspace: string, log: (text: string) => void): () => void {
  let running = false;
  const pass = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const { retention } = await readWorkspaceConfig(workspace);
      if (retention && (retention.keep_days || retention.keep_failed_days)) {
        const line = await applyRetention(workspace, retention);
        if (line) log(line);
      }
    } catch (error) {
      log(`retention: ${toPipeError(error).code}: ${toPipeError(error).message}`);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void pass(), FIRST_MS);
  const daily = setInterval(() => void pass(), DAY_MS);
  first.unref();
  daily.unref();
  return () => {
    clearTimeout(first);
    clearInterval(daily);
  };
}
