import { describe, expect, it } from 'vitest';
import { PipeError } from '../../src/shared/errors.js';
import { parsePipeline, resolveParams } from '../../src/shared/parse-pipeline.js';
import { ClientMessage } from '../../src/shared/protocol.js';

const RESERVED = ['__proto__', 'constructor', 'prototype'];
const PIPELINE = parsePipeline('params:\n  topic: tides\nstages:\n  - id: a\n    run: x\n', 'p.yaml');

function thrown(fn: () => unknown): PipeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PipeError) return error;
    throw error;
  }
  throw new Error('expected a PipeError');
}

// JSON.parse keeps `__proto__` as an own key, as a client's params arrive; an object literal would not.
const given = (name: string): Record<string, string> => JSON.parse(`{${JSON.stringify(name)}: "x"}`) as Record<string, string>;

describe('reserved parameter names', () => {
  it.each(RESERVED)('a given %s is refused with ERR_PARAM_INVALID', (name) => {
    const error = thrown(() => resolveParams(PIPELINE, given(name)));
    expect(error.code).toBe('ERR_PARAM_INVALID');
    expect(error.message).toContain(`"${name}" is reserved`);
  });

  it.each(RESERVED)('a pipeline file declaring %s is refused, in YAML and in JSON', (name) => {
    const yaml = thrown(() => parsePipeline(`params:\n  ${name}: x\n  topic: y\nstages:\n  - id: a\n    run: x\n`, 'p.yaml'));
    expect(yaml.code).toBe('ERR_PIPELINE_INVALID');
    expect(yaml.message).toContain(`params.${name}: "${name}" is reserved`);
    const json = thrown(() => parsePipeline(JSON.stringify({ params: given(name), stages: [{ id: 'a', run: 'x' }] }), 'p.json'));
    expect(json.code).toBe('ERR_PIPELINE_INVALID');
    expect(json.message).toContain(`params.${name}: "${name}" is reserved`);
  });

  it('a run command keeps a __proto__ param through its schema, so the daemon can refuse it', () => {
    const raw = JSON.parse('{"type":"command","id":"1","body":{"command":"run","pipeline":"p","params":{"__proto__":"x","a":"b"}}}') as unknown;
    const message = ClientMessage.parse(raw);
    if (message.type !== 'command' || message.body.command !== 'run') throw new Error('a run command');
    expect(Object.keys(message.body.params)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(message.body.params)).toBeNull();
    expect(thrown(() => resolveParams(PIPELINE, message.body.command === 'run' ? message.body.params : {})).code).toBe('ERR_PARAM_INVALID');
  });

  it('still refuses params that are not strings', () => {
    expect(ClientMessage.safeParse({ type: 'command', id: '1', body: { command: 'run', pipeline: 'p', params: { a: 1 } } }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'command', id: '1', body: { command: 'run', pipeline: 'p', params: ['a'] } }).success).toBe(false);
    expect(ClientMessage.parse({ type: 'command', id: '1', body: { command: 'run', pipeline: 'p' } })).toMatchObject({ body: { params: {} } });
  });
});
