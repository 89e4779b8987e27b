import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { floatToHalf, weightData } from './weights';

describe('weights', () => {
  it('floatToHalf rounds to IEEE half', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00); // overflow → inf
    expect(floatToHalf(2 ** -24)).toBe(1); // smallest subnormal
    expect(floatToHalf(0.1)).toBe(0x2e66);
  });
  it('writes float32, int32 and float16 entries in order', () => {
    const a = () => [
      { name: 'w', t: tf.tensor1d([1, 2]) },
      { name: 'i', t: tf.tensor1d([3], 'int32') },
    ];
    const full = weightData(a(), false);
    expect(full.data.byteLength).toBe(12);
    expect(full.entries).toEqual([
      { name: 'w', shape: [2], dtype: 'float32' },
      { name: 'i', shape: [1], dtype: 'int32' },
    ]);
    const half = weightData(a(), true);
    expect(half.data.byteLength).toBe(8);
    expect(half.entries[0]).toMatchObject({ quantization: { dtype: 'float16' } });
  });
});
