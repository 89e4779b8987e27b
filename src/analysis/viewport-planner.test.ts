import { describe, expect, it } from 'vitest';
import { marginOf, type PatchGeometry, tileGeometry } from '../geometry/patch-geometry';
import { ProbabilityStore } from '../heatmap/probability-store';
import type { TissueMask } from '../tissue/tissue-detection';
import { planViewport, planWholeSlide } from './viewport-planner';

const g: PatchGeometry = { targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 };
const slide = { width: 4000, height: 3000 };
const step = 96; // (64 − 16) output px × d = 2

describe('viewport planner', () => {
  it('tiles the viewport plus a margin at the target mpp, centre-out', () => {
    const view = { x: 1000, y: 800, width: 960, height: 480 };
    const plan = planViewport(view, {
      slide,
      slideMpp: 0.5,
      geometry: g,
      keepMargin: 8,
      marginFraction: 0.25,
    });
    expect(plan.area).toEqual({ x: 760, y: 680, width: 1440, height: 720 });
    // kept parts cover the grown area
    const minX = Math.min(...plan.patches.map((p) => p.keepOnSlide.x));
    const maxX = Math.max(...plan.patches.map((p) => p.keepOnSlide.x + p.keepOnSlide.width));
    expect(minX).toBeLessThanOrEqual(760);
    expect(maxX).toBeGreaterThanOrEqual(2200);
    expect(plan.patches.length).toBe(plan.total);
    const focus = { x: 1480, y: 1040 };
    const d = plan.patches.map((p) => (p.center.x - focus.x) ** 2 + (p.center.y - focus.y) ** 2);
    expect(d).toEqual([...d].sort((a, b) => a - b));
    for (const p of plan.patches) expect(p.keepOnSlide.width).toBe(step);
  });

  it('plans the same grid whatever the viewport (zoom/pan), so (col, row) is a cache key', () => {
    const o = { slide, slideMpp: 0.5, geometry: g, keepMargin: 8, marginFraction: 0 };
    const a = planViewport({ x: 1000, y: 1000, width: 500, height: 500 }, o);
    const b = planViewport({ x: 800, y: 900, width: 2000, height: 1500 }, o);
    const inB = new Map(b.patches.map((p) => [`${p.col},${p.row}`, p]));
    for (const p of a.patches) expect(inB.get(`${p.col},${p.row}`)).toEqual(p);
  });

  it('clips to the slide, and skips cached and background patches', () => {
    const tissue: TissueMask = {
      width: 40,
      height: 30,
      downsample: 100,
      data: new Uint8Array(1200),
      threshold: 20,
    };
    for (let y = 0; y < 30; y++) for (let x = 0; x < 20; x++) tissue.data[y * 40 + x] = 1; // left half is tissue
    const o = { slide, slideMpp: 0.5, geometry: g, keepMargin: 8 };
    const whole = planWholeSlide({ ...o, tissue, isCached: (c: number) => c === 0 });
    const cols = Math.ceil(4000 / step);
    const rows = Math.ceil(3000 / step);
    expect(whole.total).toBe(cols * rows);
    expect(whole.cached).toBe(rows);
    expect(whole.patches.every((p) => p.keepOnSlide.x < 2000 && p.col > 0)).toBe(true);
    expect(whole.cached + whole.background + whole.patches.length).toBe(whole.total);
    const outside = planViewport({ x: 5000, y: 0, width: 500, height: 500 }, { ...o, marginFraction: 0 });
    expect(outside.patches).toEqual([]);
  });

  it('stitches 256 px tiles seamlessly: every store pixel holds the output of the slide point it covers', () => {
    // a "model" whose output pixel is a function of the slide point it covers: a stitched map
    // with a seam (a kept part shifted, cropped or overlapping by one pixel) would not reproduce it
    const field = (u: number, v: number) => 0.5 + 0.45 * Math.sin(u * 0.071) * Math.cos(v * 0.053);
    const slideMpp = 0.5;
    for (const size of [64, 256]) {
      const tg = tileGeometry(g, size);
      const margin = marginOf(tg);
      const plan = planWholeSlide({ slide, slideMpp, geometry: tg, keepMargin: margin });
      const store = new ProbabilityStore({ modelId: 'f', targetMpp: 1, slideMpp, targetSize: size, margin });
      const d = 1 / slideMpp; // level-0 px per output px
      for (const p of plan.patches) {
        const out = new Float32Array(size * size);
        // output pixel (i, j) covers level-0 [x0 + i·d, x0 + (i+1)·d): store pixel x0/d + i
        const u0 = Math.round((p.center.x - (size / 2) * d) / d);
        const v0 = Math.round((p.center.y - (size / 2) * d) / d);
        for (let j = 0; j < size; j++)
          for (let i = 0; i < size; i++) out[j * size + i] = field(u0 + i, v0 + j);
        store.putPatch(p, out);
      }
      let worst = 0;
      for (let v = 0; v < slide.height / d; v += 3)
        for (let u = 0; u < slide.width / d; u += 3)
          worst = Math.max(worst, Math.abs(store.get(u, v) - field(u, v)));
      expect(worst, `${size} px tiles`).toBeLessThanOrEqual(0.5 / 254 + 1e-9); // the store's 8-bit rounding
      expect(plan.patches.length).toBe(
        Math.ceil(4000 / ((size - 16) * d)) * Math.ceil(3000 / ((size - 16) * d)),
      );
    }
  });
});
