import { PipeError } from '../shared/errors.js';
import { isRunId } from '../shared/names.js';
import { runsDir } from './layout.js';
import { listRunIds, readSummariesSync } from './run-reader.js';

// What a person types for a run: the full id, a unique prefix or suffix of one (the TUI shows the random suffix,
// `w71vuq`), or `latest` / `@` for the newest. One resolver for every command, so they all take the same forms and
// none builds a path from raw input: the reference is checked as a run id would be before anything is looked up.

/** The words that mean the newest run of the workspace. */
export const NEWEST = ['latest', '@'];
/** How many runs an error lists: enough to pick from, short enough to read. */
const LISTED = 5;

/** The full id of the run `ref` names in the workspace; ERR_RUN_ID_INVALID, ERR_RUN_NOT_FOUND or ERR_RUN_AMBIGUOUS. */
export async function resolveRunRef(workspace: string, ref: string): Promise<string> {
  if (NEWEST.includes(ref)) {
    const [newest] = await listRunIds(workspace);
    if (newest === undefined) throw new PipeError('ERR_RUN_NOT_FOUND', `no runs in ${runsDir(workspace)} yet, so no ${ref}`);
    return newest;
  }
  if (!isRunId(ref)) throw new PipeError('ERR_RUN_ID_INVALID', `not a run id: ${JSON.stringify(ref.slice(0, 140))} (letters, digits, ., _ and -; or latest, @)`);
  const ids = await listRunIds(workspace);
  if (ids.includes(ref)) return ref;
  const matches = ids.filter((id) => id.startsWith(ref) || id.endsWith(ref));
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) {
    throw new PipeError('ERR_RUN_AMBIGUOUS', `${JSON.stringify(ref)} matches ${matches.length} runs; give more of the id:\n${describe(workspace, matches)}`);
  }
  const newest = ids.length ? `; the newest:\n${describe(workspace, ids)}` : ' (it has none yet)';
  throw new PipeError('ERR_RUN_NOT_FOUND', `no run ${JSON.stringify(ref)} in ${runsDir(workspace)}${newest}`);
}

// Up to LISTED runs, newest first, one a line with what tells them apart: `  <id>  podcast  failed`.
function describe(workspace: string, ids: string[]): string {
  const lines = readSummariesSync(workspace, ids.slice(0, LISTED)).map((read) =>
    read.ok ? `  ${read.run.run_id}  ${read.run.pipeline}  ${read.run.status}` : `  ${read.runId}  (${read.error.code})`,
  );
  if (ids.length > LISTED) lines.push(`  … and ${ids.length - LISTED} more (pipe-tui ls)`);
  return lines.join('\n');
}
