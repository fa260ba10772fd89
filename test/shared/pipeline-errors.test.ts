import { describe, expect, it } from 'vitest';
import { PipeError } from '../../src/shared/errors.js';
import { parsePipeline } from '../../src/shared/parse-pipeline.js';

const SECRET = 'Zq8-secret-value';

function messageOf(text: string, source: string): string {
  try {
    parsePipeline(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(PipeError);
    expect((error as PipeError).code).toBe('ERR_PIPELINE_INVALID');
    return (error as PipeError).message;
  }
  throw new Error('expected ERR_PIPELINE_INVALID');
}

// The file's own text never reaches a message for a file that is not a pipeline, nor for a syntax error.
describe('pipeline errors name the place, not the text', () => {
  it.each([
    ['a value after a comma', `{\n  "stages": [],\n  "token": ${SECRET}\n}`, 'unexpected text at line 3, column 12'],
    ['a trailing comma', `{"stages": [], "a": "${SECRET}",}`, 'unexpected text at line 1, column'],
    ['an unterminated string', `{"stages": ["${SECRET}`, 'unexpected end of file at line 1, column'],
    ['a control character', `{"stages": ["${SECRET}\u0001"]}`, 'unexpected text at line 1, column'],
    ['an empty file', '', 'unexpected end of file at line 1, column 1'],
  ])('JSON: %s', (_name, text, expected) => {
    const message = messageOf(text, 'p.json');
    expect(message).toContain(`p.json: not valid JSON: ${expected}`);
    expect(message).not.toContain(SECRET);
  });

  it.each([
    ['a bad escape', `stages:\n  - id: a\n    run: "x\\q${SECRET}"\n`, /a bad escape in a double-quoted string at line 3, column \d+$/],
    ['a tab', `stages:\n\t- id: ${SECRET}\n`, / at line 2, column \d+$/],
    ['a duplicate key', `stages: []\n${SECRET}: 1\n${SECRET}: 2\n`, /a key given twice at line 3, column 1$/],
    ['an alias with no anchor', `stages:\n  - id: *${SECRET}\n`, /an alias with no anchor before it at line 2, column 9$/],
  ])('YAML: %s', (_name, text, expected) => {
    const message = messageOf(text, 'p.yaml');
    expect(message).toMatch(expected);
    expect(message).not.toContain(SECRET);
  });

  it('a file that is not a pipeline gets one line, whatever it holds', () => {
    for (const text of [`${SECRET}\n`, `- ${SECRET}\n`, `user: ${SECRET}\n${SECRET}: x\n`, 'null\n']) {
      const message = messageOf(text, 'f.yaml');
      expect(message).toBe('f.yaml: 1 problem\n  (root): not a pipeline: a pipeline file is a mapping with a stages list');
    }
  });

  it('lists at most 20 problems, then counts the rest', () => {
    const stages = Array.from({ length: 30 }, (_, i) => `  - { id: s${i} }`).join('\n');
    const lines = messageOf(`stages:\n${stages}\n`, 'many.yaml').split('\n');
    expect(lines[0]).toBe('many.yaml: 30 problems');
    expect(lines).toHaveLength(22);
    expect(lines.at(-1)).toBe('  … and 10 more');
  });
});
