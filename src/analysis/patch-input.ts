// RGBA patches → normalised float32 NHWC batches, as the model card prescribes.
//
// Usage:
//   const batch = new Float32Array(batchSize * 64 * 64 * 3);
//   writePatch(rgba, batch, slot, norm);   // slot = index of the patch in the batch
//
// value = (byte · scale − mean[c]) / std[c], channels R, G, B; alpha is ignored (regions are opaque).

import type { InputNormalization } from '../inference/model-spec';
import type { RgbaImage } from '../slide/slide-types';

export type { InputNormalization };

/** Bytes / 255, no centring: the project default when a card does not say otherwise. */
export const UNIT_RANGE: InputNormalization = { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] };

export function writePatch(img: RgbaImage, out: Float32Array, slot: number, norm: InputNormalization): void {
  const n = img.width * img.height;
  const base = slot * n * 3;
  if (base + n * 3 > out.length)
    throw new Error(`slot ${slot} does not fit a batch of ${out.length / (n * 3)}`);
  const { scale, mean, std } = norm;
  const a0 = scale / std[0];
  const a1 = scale / std[1];
  const a2 = scale / std[2];
  const b0 = -mean[0] / std[0];
  const b1 = -mean[1] / std[1];
  const b2 = -mean[2] / std[2];
  const src = img.data;
  for (let p = 0, s = 0, d = base; p < n; p++, s += 4, d += 3) {
    out[d] = src[s] * a0 + b0;
    out[d + 1] = src[s + 1] * a1 + b1;
    out[d + 2] = src[s + 2] * a2 + b2;
  }
}

/** Zeroes a slot, for padding or for a patch skipped after its read failed. */
export function clearPatch(out: Float32Array, slot: number, size: number): void {
  const len = size * size * 3;
  out.fill(0, slot * len, (slot + 1) * len);
}
