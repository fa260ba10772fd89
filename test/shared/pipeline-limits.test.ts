import { describe, expect, it } from 'vitest';
import { PipeError } from '../../src/shared/errors.js';
import { parsePipeline } from '../../src/shared/parse-pipeline.js';

const problems = (yaml: string): string => {
  try {
    parsePipeline(yaml, 'p.yaml');
  } catch (error) {
    if (error instanceof PipeError && error.code === 'ERR_PIPELINE_INVALID') return error.message;
    throw error;
  }
  throw new Error('expected ERR_PIPELINE_INVALID');
};

describe('pipeline limits a timer or an environment could not honour', () => {
  it('refuses durations past what a timer can wait, a zero timeout, and min above max', () => {
    expect(problems('stages: [{ id: a, run: x, timeout: 1000h }]')).toContain('stages.0.timeout: "1000h" is longer than the 24 days');
    expect(problems('stages: [{ id: a, run: x, timeout: 0s }]')).toContain('stages.0.timeout: a timeout must be longer than 0');
    expect(problems('stages: [{ id: a, run: x, retries: { attempts: 2, min: 10s, max: 1s } }]')).toContain('stages.0.retries.min: min must not exceed max');
  });

  it('refuses two parameters that would reach stages as the same variable', () => {
    expect(problems('params: { a-b: 1, a_b: 2 }\nstages: [{ id: a, run: x }]')).toContain('params.a_b: reaches stages as PIPE_PARAM_A_B, like "a-b"');
  });

  it('names duplicate stage ids in an otherwise valid file', () => {
    expect(problems('stages: [{ id: a, run: x }, { id: a, run: y }]')).toContain('stages.1.id: duplicate stage id "a"');
  });
});
