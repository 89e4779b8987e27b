import { describe, expect, it } from 'vitest';
import { gridPatch } from '../geometry/patch-geometry';
import { decodeProbability, encodeProbability, ProbabilityStore } from './probability-store';
import { cellRange, fillStore, testStore } from './store.fixture';

describe('probability store', () => {
  it('quantises to a byte with 0 meaning "not analysed"', () => {
    expect(encodeProbability(0)).toBe(1);
    expect(encodeProbability(1)).toBe(255);
    expect(decodeProbability(0)).toBeNaN();
    for (const p of [0, 0.1, 0.5, 0.77, 1])
      expect(Math.abs(decodeProbability(encodeProbability(p)) - p)).toBeLessThanOrEqual(1 / 508);
  });

  for (const slideMpp of [0.5, 0.499, 0.25]) {
    it(`stitches a smooth field with no seams, within 1 px at the model's mpp (slide ${slideMpp} µm/px)`, () => {
      const store = new ProbabilityStore({ modelId: 'm', targetMpp: 1, slideMpp, targetSize: 64, margin: 8 });
      // a field that changes by ≥ 1/64 per target pixel in both directions: a 1 px shift would show
      const f = (x: number, y: number) =>
        (Math.sin((x * slideMpp) / 20) + Math.cos((y * slideMpp) / 30) + 2) / 4;
      fillStore(store, cellRange(2, 3, 8, 7), f);
      expect(store.cellCount).toBe(24);
      const d = store.d;
      let maxErr = 0;
      for (let v = 3 * 48; v < 7 * 48; v++) {
        for (let u = 2 * 48; u < 8 * 48; u++)
          maxErr = Math.max(maxErr, Math.abs(store.get(u, v) - f((u + 0.5) * d, (v + 0.5) * d)));
      }
      expect(maxErr).toBeLessThanOrEqual(1 / 508 + 1e-6);
      expect(store.get(2 * 48 - 1, 3 * 48)).toBeNaN();
      expect(store.cellBounds).toEqual({ col0: 2, row0: 3, col1: 8, row1: 7 });
    });
  }

  it('puts output pixel (i, j) of the patch centred at c on level-0 [c − 32·d + i·d, …)', () => {
    const store = testStore();
    const p = gridPatch(5, 4, { targetSize: 64, targetMpp: 1 }, 0.5, 8);
    const out = new Float32Array(2 * 64 * 64);
    const slot = 1;
    out[slot * 4096 + 20 * 64 + 10] = 1; // output pixel (i = 10, j = 20) of the second patch in the batch
    store.putPatch(p, out, slot);
    const d = 2;
    const x = p.center.x - 32 * d + 10 * d;
    const y = p.center.y - 32 * d + 20 * d;
    expect(store.sampleLevel0(x + 0.01, y + 0.01)).toBe(1);
    expect(store.sampleLevel0(x + d - 0.01, y + d - 0.01)).toBe(1);
    expect(store.sampleLevel0(x - 0.01, y + 0.5)).toBe(0);
    expect(store.sampleLevel0(x + d + 0.01, y + 0.5)).toBe(0);
    expect(store.countPixels(0.5)).toEqual({ analysed: 48 * 48, positive: 1 });
  });
});
