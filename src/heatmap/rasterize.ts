// Scanline rasterisation of polygons (level-0 coordinates) onto a regular grid, even-odd rule.
//
// Usage:
//   const mask = rasterizePolygons(rings, { x: 0, y: 0, width: 500, height: 400, cell: 2 });
//   // mask.data[j·width + i] = 1 when the centre of cell (i, j) — level-0 (x + (i+½)·cell, y + (j+½)·cell) — is inside
// Used for ground-truth masks (metrics) and to check exported GeoJSON round-trips.

export type Ring = [number, number][];

export interface GridSpec {
  /** level-0 origin */
  x: number;
  y: number;
  width: number;
  height: number;
  /** level-0 px per cell */
  cell: number;
}

export interface GridMask extends GridSpec {
  data: Uint8Array;
}

/** `rings`: every ring of every polygon (outer and holes); even-odd makes holes holes. */
export function rasterizePolygons(rings: Ring[], grid: GridSpec): GridMask {
  const { width, height, cell } = grid;
  const data = new Uint8Array(width * height);
  const xs: number[] = [];
  for (let j = 0; j < height; j++) {
    const y = grid.y + (j + 0.5) * cell;
    xs.length = 0;
    for (const ring of rings) {
      const n = ring.length;
      for (let k = 0, l = n - 1; k < n; l = k++) {
        const [x1, y1] = ring[l];
        const [x2, y2] = ring[k];
        if (y1 <= y !== y2 <= y) xs.push(x1 + ((y - y1) / (y2 - y1)) * (x2 - x1));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // cells whose centre lies in [xs[k], xs[k+1])
      const i0 = Math.max(0, Math.ceil((xs[k] - grid.x) / cell - 0.5));
      const i1 = Math.min(width, Math.ceil((xs[k + 1] - grid.x) / cell - 0.5));
      data.fill(1, j * width + i0, j * width + Math.max(i0, i1));
    }
  }
  return { ...grid, data };
}
