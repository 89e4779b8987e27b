import { describe, expect, it } from 'vitest';
import {
  contextCropFraction,
  contextRegion,
  orderCenterOut,
  type PatchGeometry,
  pixelAlignedCenter,
  planPatchGrid,
  targetRegion,
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
});
