import { describe, expect, it } from 'vitest';
import { toBase64 } from './base64';

describe('toBase64', () => {
  it("matches Node's encoder, also past one chunk", () => {
    const bytes = new Uint8Array(0x8000 * 2 + 5).map((_, i) => (i * 31 + 7) & 255);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect(toBase64(new Uint8ClampedArray([255, 0, 128]))).toBe('/wCA');
    expect(toBase64(new Uint8Array(0))).toBe('');
  });
});
