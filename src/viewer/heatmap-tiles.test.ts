import { describe, expect, it } from 'vitest';
import { cellRange, fillStore, testStore } from '../heatmap/store.fixture';
import { renderTile, storeSampler } from '../heatmap/tile-renderer';
import { HEATMAP_TILE_SIZE, heatmapMaxLevel, heatmapTileRegion } from './heatmap-tiles';

describe('heatmap overlay tiles', () => {
  const W = 8000;
  const H = 6000;
  const max = heatmapMaxLevel(W, H);

  it('has a finest level of level-0 pixels', () => {
    expect(max).toBe(13);
    expect(heatmapTileRegion(max, 3, 2, max, W, H)).toEqual({
      x: 768,
      y: 512,
      width: 256,
      height: 256,
      downsample: 1,
    });
  });

  it('cuts edge tiles at the slide edge', () => {
    // 8000 = 31·256 + 64
    expect(heatmapTileRegion(max, 31, 0, max, W, H)).toMatchObject({ x: 7936, width: 64, height: 256 });
    // level max−3 (ds 8): 1000 px wide = 3·256 + 232
    expect(heatmapTileRegion(max - 3, 3, 2, max, W, H)).toMatchObject({
      x: 6144,
      y: 4096,
      width: 232,
      height: 238, // 750 − 512
      downsample: 8,
    });
    // the whole slide fits one tile at a coarse level
    expect(heatmapTileRegion(max - 5, 0, 0, max, W, H)).toMatchObject({
      width: 250,
      height: 188,
      downsample: 32,
    });
  });

  it('renders every tile pixel from the store pixel under its centre (alignment)', () => {
    const store = testStore();
    // a value that encodes the level-0 x of the store pixel: 0.1 per 2 px, so a 1 px shift shows
    fillStore(store, cellRange(0, 0, 6, 3), (x) => (Math.floor(x / 2) % 10) / 10);
    const region = heatmapTileRegion(max, 1, 0, max, W, H); // level-0 x 256..511
    const style = { colormap: 'viridis' as const, opacity: 1 };
    const tile = renderTile(storeSampler(store), region, style);
    const ref = renderTile((x) => (Math.floor(x / 2) % 10) / 10, region, style);
    expect(tile.width).toBe(HEATMAP_TILE_SIZE);
    let diff = 0;
    for (let k = 0; k < tile.data.length; k++) diff = Math.max(diff, Math.abs(tile.data[k] - ref.data[k]));
    expect(diff).toBeLessThanOrEqual(3); // store quantisation (1/254) only
  });
});
