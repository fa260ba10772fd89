import { describe, it, expect } from 'vitest';
import { parsePipeline, resolveParams } from '../../src/shared/parse-pipeline.js';
import { PipeError } from '../../src/shared/errors.js';

const PODCAST_YAML = `
name: podcast
description: Make a podcast
params:
  topic: { default: "how rainbows form" }
  voices: 2
  language: { description: "spoken language" }
stages:
  - id: prepare
    run: ./stages/prepare.sh
    timeout: 10m
    retries: { attempts: 3, backoff: exponential, min: 2s, max: 10s, on: [1, ERR_STAGE_TIMEOUT] }
    optional: false
    outputs: [out/script.txt]
    approval: false
    env: { KEY: value, N: 3 }
    cwd: .
  - id: synthesize
    run: [node, synth.js, --fast]
    optional: true
`;

// Runs fn, which must throw a PipeError, and returns it.
function pipeErrorOf(fn: () => unknown): PipeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PipeError);
    return error as PipeError;
  }
  throw new Error('expected a PipeError, nothing was thrown');
}

describe('parsePipeline', () => {
  it('reads a YAML pipeline, converting durations and filling defaults', () => {
    const spec = parsePipeline(PODCAST_YAML, 'pipelines/podcast.yaml');
    expect(spec.name).toBe('podcast');
    expect(spec.stages.map((s) => s.id)).toEqual(['prepare', 'synthesize']);
    const [prepare, synthesize] = spec.stages;
    expect(prepare).toMatchObject({
      run: './stages/prepare.sh',
      timeout: 600_000,
      retries: { attempts: 3, backoff: 'exponential', min: 2000, max: 10_000, on: [1, 'ERR_STAGE_TIMEOUT'] },
      optional: false,
      outputs: ['out/script.txt'],
      env: { KEY: 'value', N: 3 },
      cwd: '.',
    });
    expect(synthesize).toMatchObject({ run: ['node', 'synth.js', '--fast'], optional: true, outputs: [], approval: false, env: {} });
    expect(synthesize?.timeout).toBeUndefined();
    expect(synthesize?.retries).toBeUndefined();
    expect(spec.params).toMatchObject({
      topic: { default: 'how rainbows form' },
      voices: { default: 2 },
      language: { description: 'spoken language' },
    });
  });

  it('reads a JSON pipeline when the source ends in .json', () => {
    const json = JSON.stringify({ name: 'tiny', stages: [{ id: 'only', run: 'echo hi', timeout: '250ms' }] });
    const spec = parsePipeline(json, 'pipelines/tiny.json');
    expect(spec.name).toBe('tiny');
    expect(spec.params).toEqual({});
    expect(spec.stages[0]).toMatchObject({ id: 'only', run: 'echo hi', timeout: 250, optional: false });
  });

  it('expands the `retries: 3` shorthand with the default backoff', () => {
    const spec = parsePipeline('stages: [{ id: a, run: x, retries: 3 }]', 'p.yaml');
    expect(spec.stages[0]?.retries).toEqual({ attempts: 3, backoff: 'exponential', min: 1000, max: 30_000 });
  });

  it('accepts a fixed backoff and a bare number of seconds as a duration', () => {
    const spec = parsePipeline('stages: [{ id: a, run: x, timeout: 90, retries: { attempts: 2, backoff: fixed, min: 500ms } }]', 'p.yml');
    expect(spec.stages[0]?.timeout).toBe(90_000);
    expect(spec.stages[0]?.retries).toMatchObject({ attempts: 2, backoff: 'fixed', min: 500, max: 30_000 });
  });

  it('names every problem with its path, one per line, under ERR_PIPELINE_INVALID', () => {
    const text = `
name: ok
bogus: 2
stages:
  - id: first
    run: x
  - id: second
  - id: ../x
    run: y
    timeout: 5 minutes
    foo: 1
  - id: fourth
    run: z
    retries: { attempts: 0 }
`;
    const error = pipeErrorOf(() => parsePipeline(text, 'pipelines/broken.yaml'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
    const lines = error.message.split('\n').map((l) => l.trim());
    expect(lines[0]).toBe('pipelines/broken.yaml: 6 problems');
    expect(lines).toContain('bogus: unknown key');
    expect(lines.some((l) => l.startsWith('stages.1.run: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('stages.2.id: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('stages.2.timeout: ') && l.includes('"5 minutes"'))).toBe(true);
    expect(lines).toContain('stages.2.foo: unknown key');
    expect(lines.some((l) => l.startsWith('stages.3.retries'))).toBe(true);
  });

  it('says `required` for a missing plain field', () => {
    const error = pipeErrorOf(() => parsePipeline('stages: [{ run: x }]', 'p.yaml'));
    expect(error.message).toContain('stages.0.id: required');
    expect(error.message).toContain('p.yaml: 1 problem\n');
  });

  it('says `required` for a missing run, as in `stages.1.run: required`', () => {
    const error = pipeErrorOf(() => parsePipeline('stages: [{ id: a, run: x }, { id: b }]', 'p.yaml'));
    expect(error.message).toContain('stages.1.run: required');
  });

  it('reports a duplicate stage id at the second one', () => {
    const error = pipeErrorOf(() => parsePipeline('stages: [{ id: a, run: x }, { id: b, run: y }, { id: a, run: z }]', 'p.yaml'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
    expect(error.message).toContain('stages.2.id: duplicate stage id "a"');
  });

  it('refuses an unknown need, a stage needing itself and a cycle, each with its path', () => {
    const unknown = pipeErrorOf(() => parsePipeline('stages: [{ id: a, run: x }, { id: b, run: y }, { id: c, run: z }, { id: d, run: w, needs: [tts] }]', 'p.yaml'));
    expect(unknown.message).toContain('stages.3.needs.0: unknown stage "tts"');
    const self = pipeErrorOf(() => parsePipeline('stages: [{ id: a, run: x, needs: [a] }]', 'p.yaml'));
    expect(self.message).toContain('stages.0.needs.0: stage "a" cannot need itself');
    const cycle = pipeErrorOf(() => parsePipeline('stages: [{ id: a, run: x, needs: [c] }, { id: b, run: y, needs: [a] }, { id: c, run: z, needs: [b] }]', 'p.yaml'));
    expect(cycle.message).toMatch(/stages\.\d\.needs: a cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/);
    // Through the implicit need of a stage without `needs:` (the one before it) too.
    const implicit = pipeErrorOf(() => parsePipeline('stages: [{ id: a, run: x, needs: [b] }, { id: b, run: y }]', 'p.yaml'));
    expect(implicit.message).toMatch(/a cycle: (a → b → a|b → a → b)/);
  });

  it('takes needs, fail_fast and max_parallel; a file without needs stays a line of stages', () => {
    const graph = parsePipeline('fail_fast: true\nmax_parallel: 3\nstages: [{ id: a, run: x }, { id: b, run: y, needs: [] }, { id: c, run: z, needs: [a, b] }]', 'p.yaml');
    expect(graph).toMatchObject({ fail_fast: true, max_parallel: 3 });
    expect(graph.stages.map((s) => s.needs)).toEqual([undefined, [], ['a', 'b']]);
    expect(parsePipeline('stages: [{ id: a, run: x }]', 'p.yaml')).toMatchObject({ fail_fast: false });
  });

  it('reports a duplicate stage id alongside other problems', () => {
    const error = pipeErrorOf(() => parsePipeline('stages: [{ id: a, run: x }, { id: a, run: y, timeout: soon }]', 'p.yaml'));
    expect(error.message).toContain('stages.1.timeout');
    expect(error.message).toContain('duplicate stage id "a"');
  });

  it.each([
    ['a path in it', '../x'],
    ['a slash', 'a/b'],
    ['a dot', 'a.b'],
    ['a leading dash', '-a'],
    ['a space', 'a b'],
    ['65 characters', 'x'.repeat(65)],
  ])('refuses a stage id with %s', (_name, id) => {
    const error = pipeErrorOf(() => parsePipeline(JSON.stringify({ stages: [{ id, run: 'x' }] }), 'p.json'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
    expect(error.message).toContain('stages.0.id: ');
  });

  it.each([
    ['no stages', 'name: p\nstages: []', 'stages: '],
    ['an empty run', 'stages: [{ id: a, run: "" }]', 'stages.0.run: '],
    ['an empty argv', 'stages: [{ id: a, run: [] }]', 'stages.0.run: '],
    ['a bad pipeline name', 'name: ../p\nstages: [{ id: a, run: x }]', 'name: '],
    ['an unknown backoff', 'stages: [{ id: a, run: x, retries: { attempts: 2, backoff: linear } }]', 'stages.0.retries'],
    ['a bad retries.on entry', 'stages: [{ id: a, run: x, retries: { attempts: 2, on: [oops] } }]', 'stages.0.retries'],
    ['a non-boolean optional', 'stages: [{ id: a, run: x, optional: maybe }]', 'stages.0.optional: '],
    ['an unknown key in retries', 'stages: [{ id: a, run: x, retries: { attempts: 2, jitter: 1 } }]', 'stages.0.retries'],
    ['a bad param name', 'params: { "1x": a }\nstages: [{ id: a, run: x }]', 'params'],
  ])('refuses %s with the path of the problem', (_name, text, path) => {
    const error = pipeErrorOf(() => parsePipeline(text, 'p.yaml'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
    expect(error.message.split('\n').slice(1).some((l) => l.trim().startsWith(path))).toBe(true);
  });

  it('refuses a document that is not a mapping', () => {
    const error = pipeErrorOf(() => parsePipeline('- just\n- a list\n', 'p.yaml'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
    expect(error.message).toContain('(root): ');
  });

  it('refuses invalid YAML syntax as ERR_PIPELINE_INVALID on one line, keeping the cause', () => {
    const error = pipeErrorOf(() => parsePipeline('stages: [ {id: a, run: x ', 'pipelines/bad.yaml'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
    expect(error.message).toMatch(/^pipelines\/bad\.yaml: not valid YAML: /);
    expect(error.message).not.toContain('\n');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('refuses invalid JSON syntax as ERR_PIPELINE_INVALID', () => {
    const error = pipeErrorOf(() => parsePipeline('{"stages": [', 'pipelines/bad.json'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
    expect(error.message).toMatch(/^pipelines\/bad\.json: not valid JSON: /);
  });

  it('parses YAML, not JSON, for a .yaml file even when it is JSON-looking', () => {
    const spec = parsePipeline('{"stages": [{"id": "a", "run": "x"}]}', 'p.yaml');
    expect(spec.stages[0]?.id).toBe('a');
  });
});

describe('resolveParams', () => {
  const spec = parsePipeline(
    `
params:
  topic: { default: "how rainbows form" }
  voices: 2
  language: {}
stages: [{ id: a, run: x }]
`,
    'p.yaml',
  );

  it('takes defaults as strings and lets given values override them', () => {
    expect(resolveParams(spec, { language: 'en' })).toEqual({ topic: 'how rainbows form', voices: '2', language: 'en' });
    expect(resolveParams(spec, { language: 'fr', topic: 'tides', voices: '3' })).toEqual({ topic: 'tides', voices: '3', language: 'fr' });
  });

  it('keeps an empty string as a given value', () => {
    expect(resolveParams(spec, { language: '' }).language).toBe('');
  });

  it('refuses an unknown parameter, listing the known ones', () => {
    const error = pipeErrorOf(() => resolveParams(spec, { language: 'en', tpoic: 'typo' }));
    expect(error.code).toBe('ERR_PARAM_INVALID');
    expect(error.message).toContain('"tpoic"');
    expect(error.message).toContain('topic, voices, language');
  });

  it('refuses any parameter for a pipeline that takes none', () => {
    const none = parsePipeline('stages: [{ id: a, run: x }]', 'p.yaml');
    expect(resolveParams(none, {})).toEqual({});
    const error = pipeErrorOf(() => resolveParams(none, { x: '1' }));
    expect(error.code).toBe('ERR_PARAM_INVALID');
    expect(error.message).toContain('takes none');
  });

  it('refuses a missing value for a parameter without a default', () => {
    const error = pipeErrorOf(() => resolveParams(spec, {}));
    expect(error.code).toBe('ERR_PARAM_INVALID');
    expect(error.message).toContain('-p language=');
    expect(error.message).not.toContain('topic');
  });

  it('refuses an unknown parameter named like an Object.prototype member', () => {
    const error = pipeErrorOf(() => resolveParams(spec, { language: 'en', toString: 'x' }));
    expect(error.code).toBe('ERR_PARAM_INVALID');
  });

  it('refuses a parameter named like an Object.prototype member in the file itself (see reserved-params.test.ts)', () => {
    const error = pipeErrorOf(() => parsePipeline('params: { constructor: {} }\nstages: [{ id: a, run: x }]', 'p.yaml'));
    expect(error.code).toBe('ERR_PIPELINE_INVALID');
  });
});
