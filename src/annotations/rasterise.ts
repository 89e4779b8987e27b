// Annotation regions → binary mask on a regular grid (geometry/polygon-raster.ts, the one
// rasteriser): even-odd within a region (so holes work), union over positive regions, negative
// regions subtracted. Each region is rasterised on its own bounding box, so a slide-wide grid with
// many small regions costs what the regions cover, not regions × grid.
// Training labels (patch-pairs), ground truth for Dice/IoU and evaluation
// (analysis/ground-truth.ts) and the synthetic slides' checks all call this.

import { type MaskGrid, rasteriseRings, ringsBounds } from '../geometry/polygon-raster';
import type { AnnotationRegion } from './annotation-types';

export type { MaskGrid } from '../geometry/polygon-raster';

/** Returns a width × height mask of 0/1. */
export function rasterise(regions: AnnotationRegion[], grid: MaskGrid): Uint8Array {
  const out = new Uint8Array(grid.width * grid.height);
  let negative: Uint8Array | null = null;
  for (const r of regions) {
    if (!r.positive && !negative) negative = new Uint8Array(out.length);
    burn(r, grid, r.positive ? out : (negative as Uint8Array));
  }
  if (negative) for (let i = 0; i < out.length; i++) out[i] &= negative[i] ^ 1;
  return out;
}

/** ORs one region (even-odd over its rings) into `target`, rasterising only its bounding box. */
function burn(region: AnnotationRegion, grid: MaskGrid, target: Uint8Array): void {
  const b = ringsBounds(region.rings);
  if (!b) return;
  const d = grid.downsample;
  const i0 = Math.max(0, Math.floor((b.x0 - grid.x) / d));
  const j0 = Math.max(0, Math.floor((b.y0 - grid.y) / d));
  const i1 = Math.min(grid.width, Math.ceil((b.x1 - grid.x) / d) + 1);
  const j1 = Math.min(grid.height, Math.ceil((b.y1 - grid.y) / d) + 1);
  if (i1 <= i0 || j1 <= j0) return;
  const w = i1 - i0;
  const sub = rasteriseRings(region.rings, {
    x: grid.x + i0 * d,
    y: grid.y + j0 * d,
    width: w,
    height: j1 - j0,
    downsample: d,
  });
  for (let j = 0; j < j1 - j0; j++) {
    const row = (j0 + j) * grid.width + i0;
    for (let i = 0; i < w; i++) target[row + i] |= sub[j * w + i];
  }
}
