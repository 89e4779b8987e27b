// Geometry of the heatmap overlay's tiles (no OpenSeadragon here, so it is unit-testable).
//
// The overlay is a power-of-two pyramid over the slide's level-0 size, as OSD's default
// TileSource: level L has downsample 2^(maxLevel − L), tiles are 256 px, and the last column/row
// is cut at the slide edge (OSD's getTileBounds). Tile pixel i covers level-0
// [x + i·ds, x + (i+1)·ds), the same convention as RegionRequest and the probability store, so
// the overlay lands on the slide to the level-0 pixel. (At coarse levels an edge tile whose width
// is fractional is drawn up to one screen pixel narrower than rendered; only there.)

import type { TileRegion } from '../heatmap/tile-renderer';

export const HEATMAP_TILE_SIZE = 256;

export function heatmapMaxLevel(width: number, height: number): number {
  return Math.ceil(Math.log2(Math.max(width, height, 1)));
}

/** Level-0 region of OSD tile (level, x, y) of the overlay pyramid. */
export function heatmapTileRegion(
  level: number,
  x: number,
  y: number,
  maxLevel: number,
  width: number,
  height: number,
  tileSize = HEATMAP_TILE_SIZE,
): TileRegion {
  const ds = 2 ** (maxLevel - level);
  const w = Math.max(1, Math.ceil(Math.min(tileSize, width / ds - x * tileSize)));
  const h = Math.max(1, Math.ceil(Math.min(tileSize, height / ds - y * tileSize)));
  return { x: x * tileSize * ds, y: y * tileSize * ds, width: w, height: h, downsample: ds };
}
