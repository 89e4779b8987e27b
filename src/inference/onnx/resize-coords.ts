// ONNX Resize's coordinate maps along one axis, as onnxruntime computes them (float32 steps): the
// source index of each output index (nearest) or the two source indices and the weight of the
// second (linear). Used to check whether TF's native resize ops give the same sampling and, where
// they do not, to build an exact gather-based resize (ops-resize.ts).

const f = Math.fround;

export type Ctm = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
export const CTMS: readonly string[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
export const NEAREST_MODES: readonly string[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** Source coordinate of output index i (`scale`: out/in, or the Resize's scales value). */
export function sourceCoord(ctm: Ctm, i: number, inLen: number, outLen: number, scale: number): number {
  const s = f(scale);
  switch (ctm) {
    case 'half_pixel':
      return f(f(f(i + 0.5) / s) - 0.5);
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(i + 0.5) / s) - 0.5) : 0;
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(i * (inLen - 1)) / (outLen - 1));
    case 'asymmetric':
      return f(i / s);
  }
}

const round: Record<string, (x: number) => number> = {
  round_prefer_floor: (x) => (x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x)),
  round_prefer_ceil: (x) => Math.round(x), // JS rounds halves up
  floor: Math.floor,
  ceil: Math.ceil,
};

const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));

export function nearestIndices(
  ctm: Ctm,
  mode: string,
  inLen: number,
  outLen: number,
  scale: number,
): number[] {
  return Array.from({ length: outLen }, (_, i) =>
    clamp(round[mode](sourceCoord(ctm, i, inLen, outLen, scale)), inLen),
  );
}

export interface LinearTaps {
  i0: number[];
  i1: number[];
  /** weight of i1 (1 − w on i0) */
  w: number[];
}

export function linearTaps(ctm: Ctm, inLen: number, outLen: number, scale: number): LinearTaps {
  const taps: LinearTaps = { i0: [], i1: [], w: [] };
  for (let i = 0; i < outLen; i++) {
    const x = Math.min(inLen - 1, Math.max(0, sourceCoord(ctm, i, inLen, outLen, scale)));
    const i0 = Math.floor(x);
    taps.i0.push(i0);
    taps.i1.push(Math.min(i0 + 1, inLen - 1));
    taps.w.push(f(x - i0));
  }
  return taps;
}

/** TF's ResizeNearestNeighbor sampling (align_corners and half_pixel_centers false). */
export function tfNearestIndices(inLen: number, outLen: number): number[] {
  const r = inLen / outLen;
  return Array.from({ length: outLen }, (_, i) => Math.min(inLen - 1, Math.floor(r * i)));
}

/** TF's ResizeBilinear sampling for the given flags. */
export function tfLinearTaps(
  alignCorners: boolean,
  halfPixel: boolean,
  inLen: number,
  outLen: number,
): LinearTaps {
  const r = alignCorners && outLen > 1 ? (inLen - 1) / (outLen - 1) : inLen / outLen;
  const taps: LinearTaps = { i0: [], i1: [], w: [] };
  for (let i = 0; i < outLen; i++) {
    const x = halfPixel ? r * (i + 0.5) - 0.5 : r * i;
    const i0 = Math.max(0, Math.floor(x));
    taps.i0.push(i0);
    taps.i1.push(Math.min(inLen - 1, Math.ceil(x)));
    taps.w.push(i0 === Math.min(inLen - 1, Math.ceil(x)) ? 0 : x - i0);
  }
  return taps;
}

const canon = (t: LinearTaps, k: number): [number, number, number] =>
  t.i1[k] === t.i0[k] || t.w[k] < 1e-7 ? [t.i0[k], t.i0[k], 0] : [t.i0[k], t.i1[k], t.w[k]];

/** Same sampling within float32 rounding of the weights. */
export function sameTaps(a: LinearTaps, b: LinearTaps): boolean {
  return a.i0.every((_, k) => {
    const [a0, a1, aw] = canon(a, k);
    const [b0, b1, bw] = canon(b, k);
    return a0 === b0 && a1 === b1 && Math.abs(aw - bw) < 1e-6;
  });
}
