import { describe, expect, it } from 'vitest';
import { type MaskGrid, type Ring, rasteriseRings } from '../geometry/polygon-raster';
import { maskTruth, segmentationMetrics, storeGrid } from './metrics';
import { cellRange, fillStore, testStore } from './store.fixture';

const maskOf = (rings: Ring[], grid: MaskGrid) => ({ ...grid, data: rasteriseRings(rings, grid) });

const square = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];

describe('segmentation metrics', () => {
  const store = testStore();
  // predicted tumour: level-0 [200, 600) × [200, 400)
  fillStore(store, cellRange(0, 0, 8, 8), (x, y) =>
    x >= 200 && x < 600 && y >= 200 && y < 400 ? 0.95 : 0.05,
  );

  it('scores a perfect match 1 and counts only analysed pixels', () => {
    const truth = maskOf([square(200, 200, 600, 400)], storeGrid(store));
    const m = segmentationMetrics(store, maskTruth(truth));
    expect(m.dice).toBe(1);
    expect(m.iou).toBe(1);
    expect(m.analysedPixels).toBe(8 * 8 * 48 * 48);
    expect(m.tp).toBe(200 * 100); // store pixels (2 level-0 px each way)
  });

  it('matches hand-computed Dice and IoU for a half overlap', () => {
    // truth [400, 760) × [200, 400): overlap [400, 600), missed [600, 760), false alarm [200, 400)
    const truth = maskOf([square(400, 200, 760, 400)], storeGrid(store));
    const m = segmentationMetrics(store, maskTruth(truth));
    const tp = 100 * 100;
    const fp = 100 * 100;
    const fn = 80 * 100;
    expect([m.tp, m.fp, m.fn]).toEqual([tp, fp, fn]);
    expect(m.iou).toBeCloseTo(tp / (tp + fp + fn), 10);
    expect(m.dice).toBeCloseTo((2 * tp) / (2 * tp + fp + fn), 10);
  });

  it('ignores truth outside the analysed area and handles holes', () => {
    const truth = maskOf(
      [square(200, 200, 600, 400), square(300, 250, 400, 300), square(2000, 2000, 2400, 2400)],
      {
        x: 0,
        y: 0,
        width: 1500,
        height: 1500,
        downsample: 2,
      },
    );
    const m = segmentationMetrics(store, maskTruth(truth));
    expect(m.fn).toBe(0);
    expect(m.fp).toBe(50 * 25); // the hole
  });
});
