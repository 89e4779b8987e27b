// Decides which patches to analyse: the viewport plus a margin, or the whole slide, at the model's
// target mpp whatever the display zoom, minus background and already-cached patches.
//
// Usage:
//   const plan = planViewport({ viewport, slide: source.metadata, slideMpp, geometry, keepMargin: 8,
//                               tissue, isCached: (c, r) => store.has(c, r) });
//   plan.patches  // centre-out from the viewport centre; feed to runAnalysis
//   plan.total, plan.cached, plan.background
//
// The grid comes from planPatchGrid (anchored at the slide origin), so a patch planned for one
// viewport is the same patch, with the same (col, row), in every other viewport.

import {
  orderCenterOut,
  type PatchGeometry,
  type PlannedPatch,
  planPatchGrid,
  type Rect,
} from '../geometry/patch-geometry';
import { type TissueMask, tissueFraction } from '../tissue/tissue-detection';

export interface PlanOptions {
  slide: { width: number; height: number };
  slideMpp: number;
  geometry: PatchGeometry;
  /** output pixels dropped on each side of a patch */
  keepMargin: number;
  tissue?: TissueMask | null;
  /** a patch needs at least this tissue fraction under its kept part (default 0.05) */
  minTissue?: number;
  /** patches already analysed (skipped, counted in `cached`) */
  isCached?: (col: number, row: number) => boolean;
}

export interface Plan {
  /** level-0 area tiled */
  area: Rect;
  /** to analyse, in order */
  patches: PlannedPatch[];
  /** grid cells in the area */
  total: number;
  cached: number;
  background: number;
}

export function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x && y1 > y ? { x, y, width: x1 - x, height: y1 - y } : null;
}

/** Tiles `area` (clipped to the slide) and filters; `focus` sets the centre-out order (null: raster order). */
export function planArea(area: Rect, focus: { x: number; y: number } | null, o: PlanOptions): Plan {
  const clipped = intersect(area, { x: 0, y: 0, width: o.slide.width, height: o.slide.height });
  if (!clipped) return { area, patches: [], total: 0, cached: 0, background: 0 };
  const grid = planPatchGrid(clipped, o.geometry, o.slideMpp, o.keepMargin);
  const minTissue = o.minTissue ?? 0.05;
  let cached = 0;
  let background = 0;
  const patches: PlannedPatch[] = [];
  for (const p of grid) {
    if (o.isCached?.(p.col, p.row)) cached++;
    else if (o.tissue && tissueFraction(o.tissue, p.keepOnSlide) < minTissue) background++;
    else patches.push(p);
  }
  return {
    area: clipped,
    patches: focus ? orderCenterOut(patches, focus) : patches,
    total: grid.length,
    cached,
    background,
  };
}

/** The viewport (level-0 rect) grown by `marginFraction` of its size on each side, centre-out. */
export function planViewport(viewport: Rect, o: PlanOptions & { marginFraction?: number }): Plan {
  const m = o.marginFraction ?? 0.25;
  const area = {
    x: viewport.x - viewport.width * m,
    y: viewport.y - viewport.height * m,
    width: viewport.width * (1 + 2 * m),
    height: viewport.height * (1 + 2 * m),
  };
  const focus = { x: viewport.x + viewport.width / 2, y: viewport.y + viewport.height / 2 };
  return planArea(area, focus, o);
}

/** Every tissue patch of the slide, in raster order (neighbours share cached context blocks). */
export function planWholeSlide(o: PlanOptions): Plan {
  return planArea({ x: 0, y: 0, width: o.slide.width, height: o.slide.height }, null, o);
}
