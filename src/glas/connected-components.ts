// Connected components of the non-zero pixels, 8-connected (as scikit-image's `label` with its
// default full connectivity in 2-D). Labels are 1..n in raster order of each component's first pixel.

import { type LabelImage, labelImage } from './label-image';

export function connectedComponents(mask: LabelImage): { labels: LabelImage; count: number } {
  const { width: w, height: h, data } = mask;
  const labels = labelImage(w, h);
  const out = labels.data;
  const stack = new Int32Array(w * h);
  const near = new Int32Array(8);
  let count = 0;
  for (let start = 0; start < data.length; start++) {
    if (data[start] === 0 || out[start] !== 0) continue;
    count++;
    let top = 0;
    stack[top++] = start;
    out[start] = count;
    while (top > 0) {
      const p = stack[--top];
      const n = neighbours8(p, w, h, near);
      for (let k = 0; k < n; k++) {
        const q = near[k];
        if (data[q] !== 0 && out[q] === 0) {
          out[q] = count;
          stack[top++] = q;
        }
      }
    }
  }
  return { labels, count };
}

/**
 * Writes the indices of pixel p's 8-neighbours inside a w × h image into `out` (length ≥ 8) and
 * returns how many there are: the one neighbourhood of labelling and of region growing.
 */
export function neighbours8(p: number, w: number, h: number, out: Int32Array): number {
  const x = p % w;
  const y = (p - x) / w;
  let n = 0;
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= h) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx < 0 || xx >= w || (dx === 0 && dy === 0)) continue;
      out[n++] = yy * w + xx;
    }
  }
  return n;
}

/** Renumbers arbitrary non-zero labels to 1..n in order of first appearance (0 stays 0). */
export function relabelSequential(img: LabelImage): { labels: LabelImage; count: number } {
  const map = new Map<number, number>();
  const labels = labelImage(img.width, img.height);
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i];
    if (v === 0) continue;
    let n = map.get(v);
    if (n === undefined) {
      n = map.size + 1;
      map.set(v, n);
    }
    labels.data[i] = n;
  }
  return { labels, count: map.size };
}
