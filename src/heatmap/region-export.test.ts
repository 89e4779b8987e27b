import { describe, expect, it } from 'vitest';
import { type MaskGrid, type Ring, rasteriseRings } from '../geometry/polygon-raster';
import { maskTruth, segmentationMetrics } from './metrics';
import { ProbabilityStore } from './probability-store';
import { ringArea, tumourRegions, validateFeatureCollection } from './region-export';
import { cellRange, fillStore } from './store.fixture';

const maskOf = (rings: Ring[], grid: MaskGrid) => ({ ...grid, data: rasteriseRings(rings, grid) });

const newStore = () =>
  new ProbabilityStore({ modelId: 'mrn', targetMpp: 1, slideMpp: 0.5, targetSize: 64, margin: 8 });
// a ring (annulus 150..300 px around (600, 600), level-0) and a square [1200, 1500)² with a 60 px hole
const field = (x: number, y: number) => {
  const r = Math.hypot(x - 600, y - 600);
  if (r >= 150 && r < 300) return 0.9;
  const inSquare = x >= 1200 && x < 1500 && y >= 1200 && y < 1500;
  const inHole = x >= 1320 && x < 1380 && y >= 1320 && y < 1380;
  return inSquare && !inHole ? 0.8 : 0.05;
};

describe('tumour regions → GeoJSON', () => {
  const store = newStore();
  fillStore(store, cellRange(0, 0, 18, 18), field); // level-0 [0, 1728)²

  it('produces valid QuPath annotations in level-0 pixels', () => {
    const fc = tumourRegions(store, { threshold: 0.5 });
    expect(validateFeatureCollection(fc)).toEqual([]);
    expect(fc.features).toHaveLength(2);
    for (const f of fc.features) {
      expect(f.properties.objectType).toBe('annotation');
      expect(f.properties.classification.name).toBe('Tumor');
      expect(f.geometry.coordinates).toHaveLength(2); // outer ring + one hole each
    }
    const sq = fc.features.find((f) => f.geometry.coordinates[0].some(([x]) => x > 1000))!;
    const xs = sq.geometry.coordinates[0].map(([x]) => x);
    expect(Math.min(...xs)).toBeCloseTo(1200, -1); // within a store pixel (2 level-0 px)
    expect(Math.max(...xs)).toBeCloseTo(1500, -1);
    // area: (300² − 60²) level-0 px × 0.25 µm²/px; marching squares cut corners slightly
    expect(sq.properties.areaUm2).toBeGreaterThan(0.98 * (300 ** 2 - 60 ** 2) * 0.25);
    expect(sq.properties.areaUm2).toBeLessThan(1.01 * (300 ** 2 - 60 ** 2) * 0.25);
  });

  it('round-trips: the re-rasterised GeoJSON matches the thresholded map', () => {
    const fc = JSON.parse(JSON.stringify(tumourRegions(store, { threshold: 0.5 })));
    expect(validateFeatureCollection(fc)).toEqual([]);
    const rings: Ring[] = fc.features.flatMap(
      (f: { geometry: { coordinates: Ring[] } }) => f.geometry.coordinates,
    );
    const mask = maskOf(rings, { x: 0, y: 0, width: 864, height: 864, downsample: 2 });
    const m = segmentationMetrics(store, maskTruth(mask));
    expect(m.iou).toBeGreaterThan(0.98);
    expect(m.dice).toBeGreaterThan(0.99);
  });

  it('coarsens large stores and filters small regions', () => {
    const coarse = tumourRegions(store, { threshold: 0.5, maxGridSize: 216 }); // 4 store px per grid px
    expect(validateFeatureCollection(coarse)).toEqual([]);
    const rings: Ring[] = coarse.features.flatMap((f) => f.geometry.coordinates);
    const m = segmentationMetrics(
      store,
      maskTruth(maskOf(rings, { x: 0, y: 0, width: 864, height: 864, downsample: 2 })),
    );
    expect(m.iou).toBeGreaterThan(0.9);
    const big = tumourRegions(store, { threshold: 0.5, minAreaUm2: 25_000 });
    expect(big.features).toHaveLength(1); // the annulus (≈ 53,000 µm²) stays, the square (≈ 21,600 µm²) goes
    expect(Math.abs(ringArea(big.features[0].geometry.coordinates[0]))).toBeGreaterThan(250_000);
  });

  it('returns an empty collection for an empty store', () => {
    expect(tumourRegions(newStore())).toEqual({ type: 'FeatureCollection', features: [] });
    expect(validateFeatureCollection({ type: 'Feature' })).toEqual(['not a FeatureCollection']);
  });
});
