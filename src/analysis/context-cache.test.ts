import { describe, expect, it } from 'vitest';
import { contextRegion, type PatchGeometry, planPatchGrid } from '../geometry/patch-geometry';
import { syntheticSource } from '../slide/synthetic-source.fixture';
import { ContextCache, levelForDownsample, resampleArea } from './context-cache';

const mrn: PatchGeometry = { targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 };
const paint = (x: number, y: number): [number, number, number] => [
  (x * 7 + y * 3) % 256,
  (x ^ y) & 255,
  (y * 5) % 256,
];

describe('context region cache', () => {
  it('picks the coarsest level not coarser than the context resolution', () => {
    const s = syntheticSource(64, 64, paint);
    expect(levelForDownsample(s.metadata, 8)).toBe(1); // levels 1, 4, 16
    expect(levelForDownsample(s.metadata, 16)).toBe(2);
    expect(levelForDownsample(s.metadata, 0.5)).toBe(0);
  });

  it('area resampling matches box averaging for integer ratios', () => {
    const src = {
      width: 4,
      height: 2,
      data: new Uint8ClampedArray([
        0, 0, 0, 255, 100, 0, 0, 255, 10, 0, 0, 255, 30, 0, 0, 255, 0, 0, 0, 255, 100, 0, 0, 255, 10, 0, 0,
        255, 30, 0, 0, 255,
      ]),
    };
    const out = resampleArea(src, { x: 0, y: 0 }, { x: 0, y: 0 }, 2, 2, 1);
    expect([out.data[0], out.data[4]]).toEqual([50, 20]);
    // half-pixel offset: weights 0.5/0.5 over pixels 1 and 2 → (100 + 10)/2
    const shifted = resampleArea(src, { x: 0, y: 0 }, { x: 1, y: 0 }, 2, 1, 1);
    expect(shifted.data[0]).toBe(55);
  });

  it('serves context patches equal to direct reads, from shared blocks', async () => {
    const source = syntheticSource(1600, 1200, paint);
    const cache = new ContextCache(source, { contextDownsample: 8, blockSize: 128 });
    expect(cache.blockDownsample).toBe(4);
    const patches = planPatchGrid({ x: 300, y: 300, width: 960, height: 480 }, mrn, 0.5, 8);
    for (const p of patches.slice(0, 6)) {
      const region = contextRegion(p.center, mrn, 0.5);
      const viaCache = await cache.read(region);
      const direct = await source.readRegion(region);
      let maxDiff = 0;
      for (let k = 0; k < direct.data.length; k++)
        maxDiff = Math.max(maxDiff, Math.abs(direct.data[k] - viaCache.data[k]));
      expect(maxDiff).toBeLessThanOrEqual(1); // rounding of the two-step average only
    }
    const before = { ...cache.stats };
    for (const p of patches) await cache.read(contextRegion(p.center, mrn, 0.5));
    const blocksSpanned = new Set<string>();
    for (const p of patches) {
      const r = contextRegion(p.center, mrn, 0.5);
      for (let by = Math.floor(r.y / 4 / 128); by <= Math.floor((r.y + 511) / 4 / 128); by++)
        for (let bx = Math.floor(r.x / 4 / 128); bx <= Math.floor((r.x + 511) / 4 / 128); bx++)
          blocksSpanned.add(`${bx},${by}`);
    }
    // every block decoded once, however many context patches share it
    expect(cache.stats.blockMisses).toBe(blocksSpanned.size);
    expect(cache.stats.blockHits).toBeGreaterThan(before.blockHits + patches.length);
    expect(cache.decodedPerOutputPixel).toBeLessThan(2);
  });

  it('deduplicates concurrent block reads and survives another caller aborting', async () => {
    const source = syntheticSource(1024, 1024, paint, { delayMs: 20 });
    const cache = new ContextCache(source, { contextDownsample: 8, blockSize: 256 });
    const region = contextRegion({ x: 512, y: 512 }, mrn, 0.5);
    const aborter = new AbortController();
    const first = cache.read(region, aborter.signal);
    const second = cache.read(region);
    aborter.abort(new DOMException('pan', 'AbortError'));
    await expect(first).rejects.toThrow(/pan/);
    const img = await second;
    expect(img.width).toBe(64);
    const direct = await source.readRegion(region);
    expect(Math.abs(img.data[4 * 100] - direct.data[4 * 100])).toBeLessThanOrEqual(1);
  });
});
