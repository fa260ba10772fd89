import { describe, it, expect } from 'vitest';
import { entityFileName, isRunId, paramEnvName, shortRunId, stageLogName } from '../../src/shared/names.js';

describe('isRunId', () => {
  it.each(['20261124-053200-123-k3f9q2', 'a', '0', 'A.b_c-d', 'run.1', 'x'.repeat(128)])('accepts %j', (id) => {
    expect(isRunId(id)).toBe(true);
  });

  it.each([
    ['..', '..'],
    ['../x', '../x'],
    ['a/b', 'a/b'],
    ['a\\b', 'a\\b'],
    ['empty', ''],
    ['129 chars', 'x'.repeat(129)],
    ['leading dot', '.hidden'],
    ['leading dash', '-x'],
    ['leading underscore', '_x'],
    ['a .. inside', 'a..b'],
    ['a trailing ..', 'a..'],
    ['unicode letters', 'rün'],
    ['an emoji', 'run🙂'],
    ['a space', 'a b'],
    ['a newline', 'a\n'],
    ['a NUL', 'a\0b'],
  ])('refuses %s', (_name, id) => {
    expect(isRunId(id)).toBe(false);
  });
});

describe('paramEnvName', () => {
  it.each([
    ['topic', 'PIPE_PARAM_TOPIC'],
    ['my-param.x', 'PIPE_PARAM_MY_PARAM_X'],
    ['Already_Upper9', 'PIPE_PARAM_ALREADY_UPPER9'],
    ['a b', 'PIPE_PARAM_A_B'],
  ])('%s → %s', (name, env) => {
    expect(paramEnvName(name)).toBe(env);
  });

  it('always yields a valid environment variable name', () => {
    for (const name of ['topic', 'my-param.x', 'é', 'a=b', 'x;rm -rf /', '$(id)']) {
      expect(paramEnvName(name)).toMatch(/^PIPE_PARAM_[A-Z0-9_]*$/);
    }
  });
});

describe('stageLogName', () => {
  it('pads the index to two digits under logs/', () => {
    expect(stageLogName(2, 'summarize')).toBe('logs/02_summarize.log');
    expect(stageLogName(0, 'prepare')).toBe('logs/00_prepare.log');
    expect(stageLogName(12, 'x')).toBe('logs/12_x.log');
  });
});

describe('entityFileName', () => {
  it('builds NN_TYPE.EXT with a lower-cased extension', () => {
    expect(entityFileName(1, 'input', '.json')).toBe('01_input.json');
    expect(entityFileName(2, 'transcript', '.TXT')).toBe('02_transcript.txt');
    expect(entityFileName(123, 'audio', '.wav')).toBe('123_audio.wav');
  });

  it('drops an empty or unsafe extension', () => {
    expect(entityFileName(3, 'blob', '')).toBe('03_blob');
    expect(entityFileName(3, 'blob', 'txt')).toBe('03_blob');
    expect(entityFileName(3, 'blob', './../x')).toBe('03_blob');
    expect(entityFileName(3, 'blob', '.a/b')).toBe('03_blob');
    expect(entityFileName(3, 'blob', `.${'a'.repeat(17)}`)).toBe('03_blob');
  });
});

describe('shortRunId', () => {
  it('is the random suffix of a run id', () => {
    expect(shortRunId('20261124-053200-123-k3f9q2')).toBe('k3f9q2');
  });
});
