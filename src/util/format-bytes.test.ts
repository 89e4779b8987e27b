import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes';

describe('formatBytes', () => {
  it('picks the unit that keeps the number at 1 or more', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1000)).toBe('1000 B');
    expect(formatBytes(100_000)).toBe('97.7 KiB');
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MiB');
    expect(formatBytes(256 * 2 ** 20)).toBe('256.0 MiB');
    expect(formatBytes(null)).toBe('unknown');
  });
});
