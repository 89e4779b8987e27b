// The 2×2 box kernel behind synthetic levels: each output pixel is the mean of the (up to) four
// finer pixels under it. Pixels past the finer level's edge are left out of the mean, and output
// past it stays white (background).

export interface BoxSource {
  /** RGBA of a 2·outW × 2·outH rectangle of the finer level */
  data: Uint8ClampedArray;
  /** finer-level pixels that exist right of / below the rectangle's origin */
  availableX: number;
  availableY: number;
}

/** outW × outH RGBA (opaque) from a 2·outW × 2·outH source rectangle. */
export function boxDownsample2x(src: BoxSource, outW: number, outH: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(outW * outH * 4).fill(255);
  const { data, availableX: fx, availableY: fy } = src;
  const sw = 2 * outW;
  for (let j = 0; j < outH; j++) {
    const sy = 2 * j;
    if (sy >= fy) break;
    const rowsN = sy + 1 < fy ? 2 : 1;
    for (let i = 0; i < outW; i++) {
      const sx = 2 * i;
      if (sx >= fx) break;
      const colsN = sx + 1 < fx ? 2 : 1;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < rowsN; dy++) {
        for (let dx = 0; dx < colsN; dx++) {
          const p = ((sy + dy) * sw + sx + dx) * 4;
          r += data[p];
          g += data[p + 1];
          b += data[p + 2];
        }
      }
      const n = rowsN * colsN;
      const o = (j * outW + i) * 4;
      // Uint8ClampedArray rounds half to even, as before the split
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
    }
  }
  return out;
}
