import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ProbabilityStore } from './probability-store';
import { tumourRegions } from './region-export';
import { cellRange, fillStore } from './store.fixture';
import { buildSummary, overviewPng, regionsToCsv, summaryToCsv, summaryToJson } from './summary';

const slide = {
  name: 'demo.tif',
  format: 'generic-tiff' as const,
  bigTiff: false,
  vendor: null,
  width: 960,
  height: 960,
  levels: [],
  mpp: 0.5,
  mppSource: 'user' as const,
  objective: null,
  compression: 'JPEG',
  byteLength: 1000,
};

describe('summaries', () => {
  const store = new ProbabilityStore({
    modelId: 'mrn',
    targetMpp: 1,
    slideMpp: 0.5,
    targetSize: 64,
    margin: 8,
  });
  // tumour: level-0 [0, 480) × [0, 960) → 240 × 480 µm = 0.1152 mm²; analysed 480 × 480 µm
  fillStore(store, cellRange(0, 0, 10, 10), (x) => (x < 480 ? 0.9 : 0.1));

  it('computes areas in mm² and rates', () => {
    const regions = tumourRegions(store);
    const s = buildSummary({
      store,
      slide,
      backend: 'wasm',
      elapsedMs: 2000,
      patches: 100,
      regions,
      now: new Date(0),
    });
    expect(s.tumourAreaMm2).toBeCloseTo(0.1152, 10);
    expect(s.analysedAreaMm2).toBeCloseTo(0.2304, 10);
    expect(s.tumourFraction).toBeCloseTo(0.5, 10);
    expect(s.patchesPerSecond).toBe(50);
    expect(s.regions).toBe(1);
    expect(JSON.parse(summaryToJson(s))).toEqual(s);
    const csv = summaryToCsv(s).split('\n');
    expect(csv[0]).toBe('key,value');
    expect(csv).toContain('model.id,mrn');
    expect(csv).toContain('backend,wasm');
    expect(csv).toContain('createdAt,1970-01-01T00:00:00.000Z');
    const rcsv = regionsToCsv(regions).trim().split('\n');
    expect(rcsv).toHaveLength(2);
    expect(rcsv[1]).toMatch(/^Tumor 1,Tumor,\d+,/);
  });

  it('encodes a PNG overview that decodes to the heatmap', () => {
    const png = overviewPng(store, slide, { maxSize: 96, colormap: 'inferno', opacity: 1 });
    const img = decode(png);
    expect([img.width, img.height, img.channels]).toEqual([96, 96, 4]);
    const left = Array.from(img.data.subarray((48 * 96 + 10) * 4, (48 * 96 + 10) * 4 + 4));
    const right = Array.from(img.data.subarray((48 * 96 + 80) * 4, (48 * 96 + 80) * 4 + 4));
    expect(left[3]).toBe(255);
    expect(left[0]).toBeGreaterThan(right[0]); // bright (0.9) vs dark (0.1) on inferno
  });
});
