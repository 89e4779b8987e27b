import { describe, expect, it } from 'vitest';
import type { PatchGeometry } from '../geometry/patch-geometry';
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
});
