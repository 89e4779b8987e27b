import { describe, expect, it } from 'vitest';
import { homeViewTiles, MAX_HOME_TILES } from './home-view-tiles';
import type { SlideLevel } from './slide-types';

/** a pyramid of `n` levels, each half the last, 256² tiles */
function pyramid(width: number, height: number, n: number): SlideLevel[] {
  return Array.from({ length: n }, (_, l) => ({
    width: Math.ceil(width / 2 ** l),
    height: Math.ceil(height / 2 ** l),
    tileWidth: 256,
    tileHeight: 256,
    downsample: 2 ** l,
    synthetic: l > 0,
  }));
}

describe('homeViewTiles', () => {
  it('picks the finest level whose pixels are at least half a screen pixel, every tile, centre first', () => {
    // the shared SVS (2220×2967) fitted into 1440×900: 3.3 slide pixels per screen pixel
    const levels = pyramid(2220, 2967, 4);
    const tiles = homeViewTiles({ width: 2220, height: 2967, levels }, { width: 1440, height: 900 });
    expect(new Set(tiles.map((t) => t.level))).toEqual(new Set([1])); // downsample 2 ≥ 3.3 / 2
    expect(tiles).toHaveLength(Math.ceil(1110 / 256) * Math.ceil(1484 / 256));
    expect(tiles[0]).toEqual({ level: 1, x: 2, y: 2 }); // a centre tile first (5 × 6 tiles)
    const last = tiles[tiles.length - 1]; // a corner last
    expect([0, 4]).toContain(last.x);
    expect([0, 5]).toContain(last.y);
    // a view twice as large (device pixels) draws the level twice as fine
    const hiDpi = homeViewTiles({ width: 2220, height: 2967, levels }, { width: 2880, height: 1800 });
    expect(hiDpi[0].level).toBe(0);
  });

  it('a slide smaller than the view reads its finest level; too many tiles, or no view, none', () => {
    const small = pyramid(500, 400, 2);
    expect(
      homeViewTiles({ width: 500, height: 400, levels: small }, { width: 1440, height: 900 }),
    ).toHaveLength(4);
    // one native level and no coarser ones: the home view would need every tile of a huge level
    const flat = pyramid(100_000, 100_000, 1);
    expect(
      homeViewTiles({ width: 100_000, height: 100_000, levels: flat }, { width: 1440, height: 900 }),
    ).toEqual([]);
    expect(MAX_HOME_TILES).toBeLessThan(391 * 391);
    expect(homeViewTiles({ width: 500, height: 400, levels: small }, { width: 0, height: 0 })).toEqual([]);
  });
});
