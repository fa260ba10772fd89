import { usageError } from '../cli-output.js';
import { completeWords } from '../complete-words.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';
import { listPipelineNames } from '../../workspace/pipeline-files.js';
import { listRunIds } from '../../workspace/run-reader.js';

// `pipe-tui __complete runs|pipelines|words -- WORDS…`, hidden: what completion scripts call at each Tab. It lists
// from the workspace as it is now, reads no metadata.json (a Tab must not wait on thousands of runs), and never
// fails loudly: a completion that cannot be had prints nothing.

const sources = {
  runs: (workspace: string | undefined) => listRunIds(resolveWorkspace({ workspace })).catch(() => []),
  pipelines: async (workspace: string | undefined) => (await listPipelineNames(resolveWorkspace({ workspace }))).map((p) => p.name),
};

export async function completeCommand(what: string, words: string[], options: CommonOptions): Promise<number> {
  let lines: string[];
  if (what === 'runs') lines = await sources.runs(options.workspace);
  else if (what === 'pipelines') lines = await sources.pipelines(options.workspace);
  else if (what === 'words') lines = await completeWords(words, sources);
  else throw usageError(`__complete takes runs, pipelines or words, not ${JSON.stringify(what.slice(0, 40))}`);
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
