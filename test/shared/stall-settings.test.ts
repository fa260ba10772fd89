import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/shared/parse-pipeline.js';
import { stageStall } from '../../src/shared/pipeline-schema.js';

// Each stage's stall settings as the runner gets them: the stage's own, else the pipeline's; off unless set.
function stalls(yaml: string): (ReturnType<typeof stageStall>)[] {
  const pipeline = parsePipeline(yaml, 'p.yaml');
  return pipeline.stages.map((stage) => stageStall(pipeline, stage));
}

describe('stall_after and stall_action', () => {
  it('are off by default', () => {
    expect(stalls("stages:\n  - id: a\n    run: 'true'\n")).toEqual([null]);
  });

  it("take the pipeline's where a stage gives none, the stage's own where it does, key by key", () => {
    const yaml = `stall_after: 10m
stall_action: fail
stages:
  - id: inherits
    run: 'true'
  - id: own
    run: 'true'
    stall_after: 30s
    stall_action: mark
  - id: own_time
    run: 'true'
    stall_after: 2s
`;
    expect(stalls(yaml)).toEqual([
      { afterMs: 600_000, action: 'fail' },
      { afterMs: 30_000, action: 'mark' },
      { afterMs: 2000, action: 'fail' },
    ]);
  });

  it('marks only, unless told to fail; a stage alone may set it', () => {
    expect(stalls("stages:\n  - id: a\n    run: 'true'\n    stall_after: 1s\n  - id: b\n    run: 'true'\n")).toEqual([{ afterMs: 1000, action: 'mark' }, null]);
  });

  it('refuses a zero or unreadable stall_after and an unknown stall_action', () => {
    expect(() => parsePipeline("stall_after: 0s\nstages:\n  - id: a\n    run: 'true'\n", 'p.yaml')).toThrow(/stall_after/);
    expect(() => parsePipeline("stages:\n  - id: a\n    run: 'true'\n    stall_after: soon\n", 'p.yaml')).toThrow(/stall_after/);
    expect(() => parsePipeline("stages:\n  - id: a\n    run: 'true'\n    stall_action: kill\n", 'p.yaml')).toThrow(/stall_action/);
  });
});
