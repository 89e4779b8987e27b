import { describe, expect, it } from 'vitest';
import { ProbabilityStore } from '../heatmap/probability-store';
import { cellRange, fillStore } from '../heatmap/store.fixture';
import { heatmapStats } from './heatmap-stats';

describe('heatmap stats', () => {
  const info = { modelId: 'm', targetMpp: 1, slideMpp: 0.5, targetSize: 64, margin: 8 };

  it('counts patches, pixels, mean probability and tumour area', () => {
    const store = new ProbabilityStore(info);
    // 4 × 2 cells of 48² store px; tumour where x < 192 (level-0): the left two columns
    fillStore(store, cellRange(0, 0, 4, 2), (x) => (x < 192 ? 0.9 : 0.1));
    const s = heatmapStats(store, { backend: 'wasm' });
    expect(s.patches).toBe(8);
    expect(s.analysedPixels).toBe(8 * 48 * 48);
    expect(s.meanProbability).toBeCloseTo(0.5, 2);
    // 4 cells × 48² px × 1 µm² = 9216 µm²
    expect(s.tumourAreaMm2).toBeCloseTo(0.009216, 6);
    expect(s.analysedAreaMm2).toBeCloseTo(0.018432, 6);
    expect(s.backend).toBe('wasm');
    expect(s.dice).toBeUndefined();
  });

  it('scores against ground truth only over the analysed area', () => {
    const store = new ProbabilityStore(info);
    fillStore(store, cellRange(0, 0, 4, 2), (x) => (x < 192 ? 0.9 : 0.1));
    const exact = heatmapStats(store, { truth: (x) => x < 192 });
    expect(exact.dice).toBe(1);
    expect(exact.iou).toBe(1);
    // truth twice as wide as the prediction: IoU 1/2, Dice 2/3
    const wide = heatmapStats(store, { truth: (x) => x < 384 });
    expect(wide.iou).toBeCloseTo(0.5, 6);
    expect(wide.dice).toBeCloseTo(2 / 3, 6);
  });

  it('reports an empty store as empty', () => {
    const s = heatmapStats(new ProbabilityStore(info), { truth: () => true });
    expect(s.patches).toBe(0);
    expect(s.meanProbability).toBeNull();
    expect(s.dice).toBeUndefined();
  });
});
