// The one polygon rasteriser: rings (level-0 px) → a 0/1 mask on a regular grid (the same grid as
// a RegionRequest). Output pixel (i, j) is inside when its centre, level-0
// (x + (i + ½)·downsample, y + (j + ½)·downsample), is; the even-odd rule makes holes holes.
// annotations/rasterise.ts builds region unions (positive minus negative) on it; training labels,
// ground truth (Dice/IoU, evaluation) and export round-trip tests all go through it.

/** A ring of [x, y] vertices; closing vertex optional (treated as closed either way). */
export type Ring = [number, number][];

/** A regular grid over level-0 space: origin, size in cells, level-0 px per cell. */
export interface MaskGrid {
  x: number;
  y: number;
  width: number;
  height: number;
  downsample: number;
}

/** A mask on its grid: data[j·width + i] is 1 inside, 0 outside. */
export interface GridMask extends MaskGrid {
  data: Uint8Array;
}

interface Edge {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Level-0 bounding box of some rings, or null when they have no vertex. */
export function ringsBounds(rings: Ring[]): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const ring of rings) {
    for (const [x, y] of ring) {
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x0 <= x1 ? { x0, y0, x1, y1 } : null;
}

/** Rasterises `rings` (even-odd) onto `grid`, toggling `out` (width × height); returns out. */
export function rasteriseRings(
  rings: Ring[],
  grid: MaskGrid,
  out: Uint8Array = new Uint8Array(grid.width * grid.height),
): Uint8Array {
  const edges: Edge[] = [];
  for (const ring of rings) {
    const n = ring.length;
    for (let k = 0; k < n; k++) {
      const [ax, ay] = ring[k];
      const [bx, by] = ring[(k + 1) % n];
      if (ay === by) continue;
      // grid space: pixel centres at integer + ½
      const e = {
        x0: (ax - grid.x) / grid.downsample,
        y0: (ay - grid.y) / grid.downsample,
        x1: (bx - grid.x) / grid.downsample,
        y1: (by - grid.y) / grid.downsample,
      };
      edges.push(e.y0 < e.y1 ? e : { x0: e.x1, y0: e.y1, x1: e.x0, y1: e.y0 });
    }
  }
  edges.sort((a, b) => a.y0 - b.y0);
  const xs: number[] = [];
  let start = 0;
  const active: Edge[] = [];
  for (let j = 0; j < grid.height; j++) {
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
    const row = j * grid.width;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // pixels whose centre i + ½ lies in [xs[k], xs[k+1])
      const i0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const i1 = Math.min(grid.width, Math.ceil(xs[k + 1] - 0.5));
      for (let i = i0; i < i1; i++) out[row + i] ^= 1;
    }
  }
  return out;
}

/** The truth at a level-0 point: 1 when the mask cell under it is set (0 outside the grid). */
export function maskValueAt(mask: GridMask, x: number, y: number): 0 | 1 {
  const i = Math.floor((x - mask.x) / mask.downsample);
  const j = Math.floor((y - mask.y) / mask.downsample);
  return i >= 0 && j >= 0 && i < mask.width && j < mask.height && mask.data[j * mask.width + i] === 1 ? 1 : 0;
}
