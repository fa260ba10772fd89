import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_ENTITY_BYTES, maxEntityBytes } from '../../../src/daemon/engine/entity-cap.js';

describe('PIPE_TUI_MAX_ENTITY_BYTES', () => {
  it('is 1 GiB when unset or empty', () => {
    expect(maxEntityBytes({})).toBe(DEFAULT_MAX_ENTITY_BYTES);
    expect(maxEntityBytes({ PIPE_TUI_MAX_ENTITY_BYTES: ' ' })).toBe(1024 ** 3);
  });

  it('takes bytes, or K, M, G, T in powers of 1024', () => {
    expect(maxEntityBytes({ PIPE_TUI_MAX_ENTITY_BYTES: '1048576' })).toBe(1024 ** 2);
    expect(maxEntityBytes({ PIPE_TUI_MAX_ENTITY_BYTES: '500K' })).toBe(500 * 1024);
    expect(maxEntityBytes({ PIPE_TUI_MAX_ENTITY_BYTES: '64m' })).toBe(64 * 1024 ** 2);
    expect(maxEntityBytes({ PIPE_TUI_MAX_ENTITY_BYTES: '2G' })).toBe(2 * 1024 ** 3);
    expect(maxEntityBytes({ PIPE_TUI_MAX_ENTITY_BYTES: '1T' })).toBe(1024 ** 4);
  });

  it.each(['0', '-1', '1.5G', 'lots', '2GB', '99999999999999999T'])('refuses %j with ERR_ENTITY_INVALID rather than guess', (value) => {
    expect(() => maxEntityBytes({ PIPE_TUI_MAX_ENTITY_BYTES: value })).toThrow(expect.objectContaining({ code: 'ERR_ENTITY_INVALID' }));
  });
});
