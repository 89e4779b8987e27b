// Resampling for readRegion: area averaging when shrinking, half-pixel-centre bilinear when
// enlarging. The source is a rectangle of one level (RGBA, white where outside the slide).

export interface SourceRect {
  /** level pixel coordinates of the rect's top-left */
  x: number;
  y: number;
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface AxisMap {
  /** level coordinate of output pixel 0's leading edge */
  start: number;
  /** level pixels per output pixel */
  scale: number;
  /** output pixels */
  count: number;
  /** level extent (pixels ≥ this are outside the slide) */
  limit: number;
}

/** Source span [first, last) in level pixels that an axis mapping touches. */
export function axisSpan(a: AxisMap): [number, number] {
  if (a.scale >= 1) return [Math.floor(a.start), Math.ceil(a.start + a.scale * a.count)];
  const c0 = a.start + 0.5 * a.scale - 0.5;
  const c1 = a.start + (a.count - 0.5) * a.scale - 0.5;
  return [Math.floor(c0), Math.floor(c1) + 2];
}

interface Taps {
  /** per output pixel: offset into idx/w */
  from: Int32Array;
  /** per output pixel: number of taps; 0 = output is outside the slide (white) */
  n: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

function areaTaps(a: AxisMap, origin: number): Taps {
  const from = new Int32Array(a.count);
  const n = new Int32Array(a.count);
  const idx: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < a.count; i++) {
    const s = a.start + i * a.scale;
    const e = s + a.scale;
    from[i] = idx.length;
    for (let c = Math.floor(s); c < e; c++) {
      const wt = Math.min(c + 1, e) - Math.max(c, s);
      if (wt <= 1e-9) continue;
      idx.push(c - origin);
      w.push(wt / a.scale);
    }
    n[i] = idx.length - from[i];
  }
  return { from, n, idx: Int32Array.from(idx), w: Float32Array.from(w) };
}

function bilinearTaps(a: AxisMap, origin: number): Taps {
  const from = new Int32Array(a.count);
  const n = new Int32Array(a.count);
  const idx = new Int32Array(a.count * 2);
  const w = new Float32Array(a.count * 2);
  for (let i = 0; i < a.count; i++) {
    const centre = a.start + (i + 0.5) * a.scale;
    from[i] = i * 2;
    if (centre < 0 || centre >= a.limit) {
      n[i] = 0; // outside the slide: white
      continue;
    }
    const u = centre - 0.5;
    const c0 = Math.floor(u);
    const t = u - c0;
    // Clamp taps to the slide so edges do not blend with the white outside.
    const lo = Math.min(Math.max(c0, 0), a.limit - 1);
    const hi = Math.min(Math.max(c0 + 1, 0), a.limit - 1);
    idx[i * 2] = lo - origin;
    idx[i * 2 + 1] = hi - origin;
    w[i * 2] = 1 - t;
    w[i * 2 + 1] = t;
    n[i] = 2;
  }
  return { from, n, idx, w };
}

/** Resamples `src` onto the output grid given by the two axis maps. Alpha is opaque. */
export function resample(src: SourceRect, ax: AxisMap, ay: AxisMap): Uint8ClampedArray {
  const enlarge = ax.scale < 1;
  const tx = enlarge ? bilinearTaps(ax, src.x) : areaTaps(ax, src.x);
  const ty = enlarge ? bilinearTaps(ay, src.y) : areaTaps(ay, src.y);
  const W = ax.count;
  const H = ay.count;
  const sw = src.width;
  const sd = src.data;
  // Horizontal pass over every source row the vertical taps use.
  const rows = new Float32Array(src.height * W * 3);
  const used = new Uint8Array(src.height);
  for (let j = 0; j < H; j++) {
    for (let k = 0; k < ty.n[j]; k++) used[ty.idx[ty.from[j] + k]] = 1;
  }
  for (let r = 0; r < src.height; r++) {
    if (!used[r]) continue;
    const rowBase = r * sw * 4;
    const outBase = r * W * 3;
    for (let i = 0; i < W; i++) {
      let R = 255;
      let G = 255;
      let B = 255;
      const cnt = tx.n[i];
      if (cnt > 0) {
        R = 0;
        G = 0;
        B = 0;
        const f = tx.from[i];
        for (let k = 0; k < cnt; k++) {
          const p = rowBase + tx.idx[f + k] * 4;
          const wt = tx.w[f + k];
          R += sd[p] * wt;
          G += sd[p + 1] * wt;
          B += sd[p + 2] * wt;
        }
      }
      rows[outBase + i * 3] = R;
      rows[outBase + i * 3 + 1] = G;
      rows[outBase + i * 3 + 2] = B;
    }
  }
  const out = new Uint8ClampedArray(W * H * 4);
  for (let j = 0; j < H; j++) {
    const cnt = ty.n[j];
    const f = ty.from[j];
    for (let i = 0; i < W; i++) {
      const o = (j * W + i) * 4;
      if (cnt === 0 || (enlarge && tx.n[i] === 0)) {
        out[o] = 255;
        out[o + 1] = 255;
        out[o + 2] = 255;
        out[o + 3] = 255;
        continue;
      }
      let R = 0;
      let G = 0;
      let B = 0;
      for (let k = 0; k < cnt; k++) {
        const p = (ty.idx[f + k] * W + i) * 3;
        const wt = ty.w[f + k];
        R += rows[p] * wt;
        G += rows[p + 1] * wt;
        B += rows[p + 2] * wt;
      }
      out[o] = R; // Uint8ClampedArray rounds to nearest
      out[o + 1] = G;
      out[o + 2] = B;
      out[o + 3] = 255;
    }
  }
  return out;
}
