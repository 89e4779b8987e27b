// Gland borders: the training label of a model's "border" output channel (DCAN's contour channel
// in its simplest form). Threshold + connected components merges glands that touch; a model that
// also says where a gland's outline runs lets the instance step cut them apart
// (gland-instances.ts, borderThreshold). A pixel is border when
//   - it belongs to a gland and a pixel of another label (background or another gland) lies
//     within `radius` px (Chebyshev), i.e. the inner band of every outline; or
//   - it is background with two different glands within `radius` px: the gap between them.
// radius is in the mask's own pixels (level 0 of the image).

import type { LabelImage } from './label-image';

export const MAX_BORDER_RADIUS = 16;

export function glandBorders(labels: LabelImage, radius: number): Uint8Array {
  if (!Number.isInteger(radius) || radius < 1 || radius > MAX_BORDER_RADIUS)
    throw new Error(`gland border radius must be an integer in 1..${MAX_BORDER_RADIUS} px (got ${radius})`);
  const { width: w, height: h, data: L } = labels;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(h - 1, y + radius);
    for (let x = 0; x < w; x++) {
      const own = L[y * w + x];
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(w - 1, x + radius);
      let first = 0; // the first gland label seen in the window (background pixels only)
      let border = false;
      for (let v = y0; v <= y1 && !border; v++) {
        const row = v * w;
        for (let u = x0; u <= x1; u++) {
          const l = L[row + u];
          if (own !== 0) {
            if (l !== own) {
              border = true;
              break;
            }
          } else if (l !== 0) {
            if (first === 0) first = l;
            else if (l !== first) {
              border = true;
              break;
            }
          }
        }
      }
      if (border) out[y * w + x] = 1;
    }
  }
  return out;
}
