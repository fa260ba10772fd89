import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listPipelineNames } from '../../workspace/pipeline-files.js';
import { pipelinesDir } from '../../workspace/layout.js';
import { printJson } from '../cli-output.js';
import { type CommonOptions, resolveWorkspace } from '../workspace.js';

// A first pipeline to run, needing nothing but sh: a parameter, a progress bar and a file kept as the run's result.
const EXAMPLE = `# A first pipeline, written by \`pipe-tui init\`. Try it:
#   pipe-tui run hello --follow        or        pipe-tui run hello -p name=Ada --follow
# or open the TUI (pipe-tui), press n and Enter. Every key of a pipeline file: docs/pipelines.md.
name: hello
description: Two quick stages to try pipe-tui with
params:
  name: { default: world, description: "who to greet" }
stages:
  - id: greet
    description: Say hello (the parameter arrives as $PIPE_PARAM_NAME)
    run: echo "hello, $PIPE_PARAM_NAME"

  - id: count
    description: Count to three, with progress, and keep the result as an entity
    run: |
      for i in 1 2 3; do echo "::pipe:progress $i/3 counting"; sleep 0.3; done
      echo "counted to 3 for $PIPE_PARAM_NAME" > hello.txt
      echo "::pipe:entity text hello.txt"
    timeout: 10s
`;

// `pipe-tui init`: makes a workspace ready to try, with pipelines/hello.yaml. It never overwrites: a workspace
// that has pipelines is left as it is, and says so.
export async function initCommand(options: CommonOptions): Promise<number> {
  const workspace = resolveWorkspace(options);
  const existing = await listPipelineNames(workspace);
  const file = path.join(pipelinesDir(workspace), 'hello.yaml');
  if (existing.length > 0) {
    const names = existing.map((p) => p.name).join(', ');
    if (options.json) printJson({ written: null, pipelines: existing.map((p) => p.name) });
    else process.stdout.write(`${workspace} already has pipelines (${names}); nothing written. Run one with: pipe-tui run ${existing[0]?.name} --follow\n`);
    return 0;
  }
  await mkdir(pipelinesDir(workspace), { recursive: true });
  await writeFile(file, EXAMPLE, { flag: 'wx' });
  if (options.json) printJson({ written: path.relative(workspace, file), pipelines: ['hello'] });
  const shown = path.relative(process.cwd(), file);
  if (!options.json) process.stdout.write(`wrote ${shown.startsWith('..') ? file : shown}\nnext: pipe-tui run hello --follow   (or open the TUI with pipe-tui and press n)\n`);
  return 0;
}
