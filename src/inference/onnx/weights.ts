// The weight shard: every Const node's value, concatenated in order, float32 or (option) float16
// (TF.js dequantises `quantization: { dtype: 'float16' }` on load).

import type * as tf from '@tensorflow/tfjs';

export function weightData(
  consts: { name: string; t: tf.Tensor }[],
  float16: boolean,
): { entries: Record<string, unknown>[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const entries: Record<string, unknown>[] = [];
  for (const { name, t } of consts) {
    const values = t.dataSync();
    if (t.dtype === 'float32' && float16) {
      const h = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) h[i] = floatToHalf(values[i]);
      parts.push(new Uint8Array(h.buffer));
      entries.push({ name, shape: t.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
    } else {
      const arr = t.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
      parts.push(new Uint8Array(arr.buffer));
      entries.push({ name, shape: t.shape, dtype: t.dtype === 'int32' ? 'int32' : 'float32' });
    }
    t.dispose();
  }
  const data = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.byteLength;
  }
  return { entries, data };
}

export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >> 16) & 0x8000;
  const exp = ((x >> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >> (1 - exp);
    return sign | ((m + 0x1000) >> 13);
  }
  if (exp >= 31) return sign | 0x7c00 | (((x >> 23) & 0xff) === 0xff && mant ? 0x200 : 0);
  const r = sign | (exp << 10) | (mant >> 13);
  return mant & 0x1000 ? r + 1 : r; // round half up on the dropped bits
}
