// Polygons → binary mask on a regular grid (the same grid as a RegionRequest): output pixel
// (i, j) is inside when its centre, level-0 (x + (i + ½)·d, y + (j + ½)·d), is. Even-odd within
// a region (so holes work), union over positive regions, negative regions subtracted.

import type { AnnotationRegion, Ring } from './annotation-types';

export interface MaskGrid {
  x: number;
  y: number;
  width: number;
  height: number;
  downsample: number;
}

interface Edge {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Returns a width × height mask of 0/1. */
export function rasterise(regions: AnnotationRegion[], grid: MaskGrid): Uint8Array {
  const { width, height } = grid;
  const out = new Uint8Array(width * height);
  const region = new Uint8Array(width * height);
  const negative = new Uint8Array(width * height);
  let anyNegative = false;
  for (const r of regions) {
    if (!overlaps(r.rings[0], grid)) continue;
    region.fill(0);
    fillEvenOdd(r.rings, grid, region);
    const target = r.positive ? out : negative;
    for (let i = 0; i < region.length; i++) target[i] |= region[i];
    if (!r.positive) anyNegative = true;
  }
  if (anyNegative) for (let i = 0; i < out.length; i++) out[i] &= negative[i] ^ 1;
  return out;
}

function overlaps(ring: Ring, g: MaskGrid): boolean {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of ring) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return x1 >= g.x && y1 >= g.y && x0 <= g.x + g.width * g.downsample && y0 <= g.y + g.height * g.downsample;
}

/** Scanline fill with the even-odd rule; toggles spans so overlapping rings cancel (holes). */
function fillEvenOdd(rings: Ring[], g: MaskGrid, out: Uint8Array): void {
  const edges: Edge[] = [];
  for (const ring of rings) {
    const n = ring.length;
    for (let k = 0; k < n; k++) {
      const [ax, ay] = ring[k];
      const [bx, by] = ring[(k + 1) % n];
      if (ay === by) continue;
      // grid space: pixel centres at integer + ½
      const e = {
        x0: (ax - g.x) / g.downsample,
        y0: (ay - g.y) / g.downsample,
        x1: (bx - g.x) / g.downsample,
        y1: (by - g.y) / g.downsample,
      };
      edges.push(e.y0 < e.y1 ? e : { x0: e.x1, y0: e.y1, x1: e.x0, y1: e.y0 });
    }
  }
  edges.sort((a, b) => a.y0 - b.y0);
  const xs: number[] = [];
  let start = 0;
  const active: Edge[] = [];
  for (let j = 0; j < g.height; j++) {
    const yc = j + 0.5;
    while (start < edges.length && edges[start].y0 <= yc) active.push(edges[start++]);
    xs.length = 0;
    for (let k = active.length - 1; k >= 0; k--) {
      const e = active[k];
      if (e.y1 <= yc) {
        active.splice(k, 1);
        continue;
      }
      // half-open [y0, y1) so a vertex on the scanline counts once
      if (e.y0 <= yc) xs.push(e.x0 + ((yc - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0));
    }
    xs.sort((a, b) => a - b);
    const row = j * g.width;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // pixels whose centre i + ½ lies in [xs[k], xs[k+1])
      const i0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const i1 = Math.min(g.width, Math.ceil(xs[k + 1] - 0.5));
      for (let i = i0; i < i1; i++) out[row + i] ^= 1;
    }
  }
}
