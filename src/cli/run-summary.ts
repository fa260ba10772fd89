import type { RunSummary } from '../shared/metadata-schema.js';
import type { IndexEntry } from '../shared/run-index-entry.js';
import { unreadableStatus } from '../shared/status-symbols.js';
import type { SummaryRead } from '../workspace/run-reader.js';

// One line of `ls --json`: enough to list and pick, without the stages' detail.
export function summarize(read: SummaryRead | { ok: true; run: IndexEntry }): Record<string, unknown> {
  if (!read.ok) return { run_id: read.runId, status: unreadableStatus(read.error), error: { code: read.error.code, message: read.error.message } };
  const run: Omit<RunSummary, 'schema_version'> = read.run;
  return {
    run_id: run.run_id,
    pipeline: run.pipeline,
    status: run.status,
    created_at: run.created_at,
    started_at: run.started_at,
    ended_at: run.ended_at,
    current_state: run.current_state,
    error: run.error,
    total_cost_usd: run.total_cost_usd,
    eta_ms: run.eta_ms,
  };
}
