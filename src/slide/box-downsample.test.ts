import { describe, expect, it } from 'vitest';
import { boxDownsample2x, boxDownsampleTiles } from './box-downsample';

function rgba(w: number, h: number, f: (x: number, y: number) => number): Uint8ClampedArray {
  const d = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = f(x, y);
      d.set([v, v + 1, v + 2, 255], (y * w + x) * 4);
    }
  return d;
}

describe('boxDownsample2x', () => {
  it('averages each 2×2 block (rounded as Uint8ClampedArray does)', () => {
    const src = rgba(4, 2, (x, y) => [10, 20, 31, 40][x] + 100 * y);
    const out = boxDownsample2x({ data: src, availableX: 4, availableY: 2 }, 2, 1);
    // (10+20+110+120)/4 = 65; then 85.5, 86.5, 87.5 round half to even: 86, 86, 88
    expect(Array.from(out)).toEqual([65, 66, 67, 255, 86, 86, 88, 255]);
  });

  it('leaves pixels past the finer edge out of the mean and output past it white', () => {
    const src = rgba(4, 4, (x, y) => x * 10 + y);
    // only 3 columns and 1 row of the finer level exist
    const out = boxDownsample2x({ data: src, availableX: 3, availableY: 1 }, 2, 2);
    expect(Array.from(out.subarray(0, 4))).toEqual([5, 6, 7, 255]); // mean of x 0,1 at y 0
    expect(Array.from(out.subarray(4, 8))).toEqual([20, 21, 22, 255]); // x 2 alone
    expect(Array.from(out.subarray(8))).toEqual(Array(8).fill(255)); // row past the edge
  });
});

describe('boxDownsampleTiles', () => {
  /** 2×2 tiles of a finer level cut from one random rectangle, and the rectangle itself. */
  function cut(tw: number, th: number, fx: number, fy: number, seed: number) {
    let s = seed;
    const rand = () => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s & 255;
    };
    const rect = rgba(2 * tw, 2 * th, () => 0).map(() => rand());
    const quads = [0, 1, 2, 3].map((q) => {
      const ox = (q & 1) * tw;
      const oy = (q >> 1) * th;
      if (ox >= fx || oy >= fy) return null;
      const data = new Uint8ClampedArray(tw * th * 4);
      for (let y = 0; y < th; y++)
        data.set(rect.subarray(((oy + y) * 2 * tw + ox) * 4, ((oy + y) * 2 * tw + ox + tw) * 4), y * tw * 4);
      return { data, stride: tw, availableX: Math.min(tw, fx - ox), availableY: Math.min(th, fy - oy) };
    });
    return { rect, quads };
  }

  it('gives boxDownsample2x’s pixels, inside the level and at ragged edges', () => {
    const tw = 8;
    const th = 6;
    // whole tiles, an odd last column and row, one tile column only, one row of pixels
    for (const [fx, fy] of [
      [16, 12],
      [13, 9],
      [8, 12],
      [5, 1],
      [16, 7],
    ]) {
      const { rect, quads } = cut(tw, th, fx, fy, fx * 31 + fy);
      const want = boxDownsample2x({ data: rect, availableX: fx, availableY: fy }, tw, th);
      expect(Array.from(boxDownsampleTiles(quads, tw, th)), `${fx}×${fy}`).toEqual(Array.from(want));
    }
  });

  it('reads word-aligned and unaligned tiles alike (the word kernel and the byte loop)', () => {
    const tw = 10;
    const th = 6;
    const { rect, quads } = cut(tw, th, 20, 11, 7);
    const want = boxDownsample2x({ data: rect, availableX: 20, availableY: 11 }, tw, th);
    // the same tiles one byte into a larger buffer: no 32-bit view can read them
    const unaligned = quads.map((t) => {
      if (!t) return null;
      const shifted = new Uint8ClampedArray(t.data.length + 1).subarray(1);
      shifted.set(t.data);
      return { ...t, data: shifted };
    });
    expect(Array.from(boxDownsampleTiles(quads, tw, th))).toEqual(Array.from(want));
    expect(Array.from(boxDownsampleTiles(unaligned, tw, th))).toEqual(Array.from(want));
  });

  it('rounds every 2×2 sum half to even, as Uint8ClampedArray does', () => {
    // one block per sum 0..1020 of a channel: 2×2 tiles of 2×1 blocks, channel sums s, s+1, s+2
    for (let s = 0; s <= 1020; s++) {
      const px = [0, 1, 2, 3].map((k) => Math.floor(s / 4) + (k < s % 4 ? 1 : 0));
      const data = new Uint8ClampedArray(16);
      // a 2×2 tile: pixels (0,0) (1,0) (0,1) (1,1) carry the four values
      for (const [k, v] of px.entries()) data.set([v, v, v, 255], k * 4);
      const out = boxDownsampleTiles(
        [{ data, stride: 2, availableX: 2, availableY: 2 }, null, null, null],
        2,
        2,
      );
      const expected = new Uint8ClampedArray([s / 4])[0];
      expect([out[0], out[1], out[2], out[3]], `sum ${s}`).toEqual([expected, expected, expected, 255]);
    }
  });
});
