import { describe, expect, it } from 'vitest';
import {
  centreCropBox,
  contextCropFraction,
  contextRegion,
  keepMarginFor,
  marginOf,
  mrnContextCrops,
  orderCenterOut,
  type PatchGeometry,
  pixelAlignedCenter,
  planPatchGrid,
  targetRegion,
  tileGeometry,
} from './patch-geometry';

const mrn: PatchGeometry = { targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 };

describe('patch geometry', () => {
  it('pairs target and context on the same centre', () => {
    const c = { x: 1000, y: 2000 };
    const t = targetRegion(c, mrn, 0.5);
    const k = contextRegion(c, mrn, 0.5);
    expect(t).toMatchObject({ x: 1000 - 64, y: 2000 - 64, width: 64, downsample: 2 });
    expect(k).toMatchObject({ x: 1000 - 256, y: 2000 - 256, width: 64, downsample: 8 });
    expect(t.x + (t.width / 2) * t.downsample).toBe(k.x + (k.width / 2) * k.downsample);
    expect(contextCropFraction(mrn)).toBe(0.25);
  });

  it('tiles an area with kept parts that abut without gaps', () => {
    const patches = planPatchGrid({ x: 10, y: 10, width: 500, height: 300 }, mrn, 0.5, 8);
    const step = (64 - 16) * 2;
    for (const p of patches) {
      expect(p.keepOnSlide.width).toBe(step);
      expect(p.keepOnSlide.x).toBe(p.col * step);
      expect(p.center.x).toBe(p.keepOnSlide.x + step / 2);
    }
    const cols = new Set(patches.map((p) => p.col));
    expect(cols.size).toBe(Math.ceil(510 / step) - Math.floor(10 / step));
    expect(() => planPatchGrid({ x: 0, y: 0, width: 1, height: 1 }, mrn, 0.5, 32)).toThrow();
  });

  it('orders centre-out', () => {
    const patches = planPatchGrid({ x: 0, y: 0, width: 960, height: 960 }, mrn, 0.5, 8);
    const ordered = orderCenterOut(patches, { x: 480, y: 480 });
    const d = (p: (typeof ordered)[number]) => Math.hypot(p.center.x - 480, p.center.y - 480);
    for (let i = 1; i < ordered.length; i++) expect(d(ordered[i])).toBeGreaterThanOrEqual(d(ordered[i - 1]));
  });

  it('aligns a centre onto the pixel grid of both reads, as the planner places patches', () => {
    const c = pixelAlignedCenter({ x: 1003.7, y: 2010.2 }, mrn, 0.5);
    expect(Math.abs(c.x - 1003.7)).toBeLessThanOrEqual(4);
    expect(Math.abs(c.y - 2010.2)).toBeLessThanOrEqual(4);
    const k = contextRegion(c, mrn, 0.5);
    const t = targetRegion(c, mrn, 0.5);
    expect(k.x % k.downsample).toBe(0);
    expect(k.y % k.downsample).toBe(0);
    expect(t.x % t.downsample).toBe(0);
    // every planned patch is already aligned: training's aligned centres are inference's
    for (const p of planPatchGrid({ x: 0, y: 0, width: 2000, height: 500 }, mrn, 0.5, 8))
      expect(pixelAlignedCenter(p.center, mrn, 0.5)).toEqual(p.center);
    // a single-input model aligns its target read
    const unet: PatchGeometry = { targetSize: 64, targetMpp: 1 };
    const u = targetRegion(pixelAlignedCenter({ x: 11.3, y: 7.9 }, unet, 0.25), unet, 0.25);
    expect([Math.abs(u.x % 4), Math.abs(u.y % 4)]).toEqual([0, 0]);
  });

  it('grows a tile with its context on the same centre, keeping the trained margin and crop fraction', () => {
    const t = tileGeometry(mrn, 256);
    expect(t).toEqual({ targetSize: 256, targetMpp: 1, keepMargin: 8, contextSize: 256, contextMpp: 4 });
    expect(marginOf(t)).toBe(keepMarginFor(64));
    expect(marginOf(mrn)).toBe(8);
    expect(tileGeometry(mrn, 64)).toEqual(mrn);
    expect(contextCropFraction(t)).toBe(0.25);
    const c = { x: 5000, y: 3000 };
    const tr = targetRegion(c, t, 0.5);
    const k = contextRegion(c, t, 0.5);
    expect(tr).toMatchObject({ x: 5000 - 256, width: 256, downsample: 2 });
    expect(k).toMatchObject({ x: 5000 - 1024, width: 256, downsample: 8 });
    expect(tileGeometry({ targetSize: 64, targetMpp: 4 }, 256)).toEqual({
      targetSize: 256,
      targetMpp: 4,
      keepMargin: 8,
    });
    expect(() => tileGeometry(mrn, 32)).toThrow(/≥ the trained 64/);
    expect(() => tileGeometry({ ...mrn, contextSize: 48 }, 90)).toThrow(/whole pixels/);
  });

  it("crops MRN's context features exactly at every level, as training/mrn.py does", () => {
    // training/mrn.py centre_crop_box(size >> i, 0.25): (begin, length) at 64 and at 256 px
    expect(mrnContextCrops(mrn, 4).map((c) => [c.size, c.begin, c.length])).toEqual([
      [64, 24, 16],
      [32, 12, 8],
      [16, 6, 4],
      [8, 3, 2],
    ]);
    expect(mrnContextCrops(tileGeometry(mrn, 256), 4).map((c) => [c.size, c.begin, c.length])).toEqual([
      [256, 96, 64],
      [128, 48, 32],
      [64, 24, 16],
      [32, 12, 8],
    ]);
    // the crop covers exactly the target's field of view at every level
    for (const c of mrnContextCrops(tileGeometry(mrn, 128), 4)) {
      expect(c.length / c.size).toBe(0.25);
      expect(c.begin + c.length / 2).toBe(c.size / 2);
    }
    // 96 px: the deepest level (12 px) cannot centre a 3 px crop
    expect(() => mrnContextCrops(tileGeometry(mrn, 96), 4)).toThrow(/cannot centre-crop 0.25 of 12 px/);
    expect(centreCropBox(12, 0.5)).toEqual({ begin: 3, length: 6 });
    expect(() => centreCropBox(10, 0.5)).toThrow(/exactly/);
  });

  it('plans 256 px tiles on the same pixel grid as 64 px patches, kept parts abutting', () => {
    const t = tileGeometry(mrn, 256);
    const patches = planPatchGrid({ x: 0, y: 0, width: 3000, height: 2000 }, t, 0.5, marginOf(t));
    const step = (256 - 16) * 2;
    for (const p of patches) {
      expect(p.keep).toEqual({ x: 8, y: 8, width: 240, height: 240 });
      expect(p.keepOnSlide).toEqual({ x: p.col * step, y: p.row * step, width: step, height: step });
      // both reads start on whole pixels of their level, as training's aligned centres do
      expect(pixelAlignedCenter(p.center, t, 0.5)).toEqual(p.center);
    }
  });
});
