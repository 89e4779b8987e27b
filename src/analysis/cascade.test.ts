import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatchGeometry } from '../geometry/patch-geometry';
import { ProbabilityStore } from '../heatmap/probability-store';
import type { Engine } from '../inference/engine';
import { identityEngine, tinyGraphSpec } from '../inference/tiny-graph.fixture';
import { syntheticSource } from '../slide/synthetic-source.fixture';
import { isAbortError } from '../util/abort';
import { cascadeSink, type ProvisionalCells, runCascade } from './cascade';
import type { CascadePolicy } from './cascade-policy';
import { type Predictor, runAnalysis } from './scheduler';
import { planArea } from './viewport-planner';

// The screen and the fine model are the same identity-like graph (output = red/255) at 4 and
// 1 µm/px: over uniform ground both say the same, so the cascade must reproduce the fine-everywhere
// store wherever it skipped, and run the fine model exactly on the patches along the square's edges.
const slideMpp = 0.5;
const fineG: PatchGeometry = { targetSize: 64, targetMpp: 1 };
const screenG: PatchGeometry = { targetSize: 64, targetMpp: 4 };
const square = { x0: 600, x1: 1400, y0: 500, y1: 1100 };
const paint = (x: number, y: number): [number, number, number] => {
  const inside = x >= square.x0 && x < square.x1 && y >= square.y0 && y < square.y1;
  return [inside ? 250 : 10, 128, 64];
};
const policy: CascadePolicy = { low: 0.1, high: 0.95, haloUm: 4 };
const area = { x: 0, y: 0, width: 2000, height: 1600 };

describe('runCascade with a real TF.js graph', () => {
  let engine: Engine;
  const source = syntheticSource(2000, 1600, paint);
  beforeAll(async () => {
    engine = await identityEngine();
  });
  afterAll(() => engine.dispose());

  const counting = () => {
    const seen: number[] = [];
    const p: Predictor = {
      batchSize: engine.batchSize,
      predict: (inputs, count) => {
        seen.push(count);
        return engine.predict(inputs, count);
      },
    };
    return { p, calls: () => seen.reduce((a, b) => a + b, 0) };
  };
  const setup = () => {
    const fineStore = new ProbabilityStore({
      modelId: 'fine',
      targetMpp: 1,
      slideMpp,
      targetSize: 64,
      margin: 8,
    });
    const screenStore = new ProbabilityStore({
      modelId: 'screen',
      targetMpp: 4,
      slideMpp,
      targetSize: 64,
      margin: 8,
    });
    const opts = { slide: source.metadata, slideMpp, keepMargin: 8 };
    const finePlan = planArea(area, null, { ...opts, geometry: fineG });
    const screenPlan = planArea(area, null, { ...opts, geometry: screenG });
    const job = (
      geometry: PatchGeometry,
      patches: typeof finePlan.patches,
      store: ProbabilityStore,
      predictor: Predictor,
    ) => ({
      source,
      slideMpp,
      spec: tinyGraphSpec(),
      geometry,
      patches,
      predictor,
      store,
    });
    /** the cascade over the whole area: the screen on the engine, the fine model on `fine` */
    const cascade = (fine: Predictor) => ({
      screen: job(screenG, screenPlan.patches, screenStore, engine),
      fine: job(fineG, finePlan.patches, fineStore, fine),
      screenStore,
      policy,
      umPerPx: slideMpp,
      targetSize: 64,
    });
    return { fineStore, screenStore, finePlan, screenPlan, job, cascade };
  };
  const touchesEdge = (r: { x: number; y: number; width: number; height: number }, halo: number) => {
    // an edge of the square lies within the rect grown by the halo plus one screen pixel (8 px)
    const g = halo + 8;
    const [x0, x1, y0, y1] = [r.x - g, r.x + r.width + g, r.y - g, r.y + r.height + g];
    const overlapsY = y1 > square.y0 && y0 < square.y1;
    const overlapsX = x1 > square.x0 && x0 < square.x1;
    const crossesX = (e: number) => x0 < e && x1 > e;
    const crossesY = (e: number) => y0 < e && y1 > e;
    return (
      (overlapsY && (crossesX(square.x0) || crossesX(square.x1))) ||
      (overlapsX && (crossesY(square.y0) || crossesY(square.y1)))
    );
  };

  it('refines only where the screen is unsure, and its store equals the fine model run everywhere', async () => {
    const s = setup();
    const fine = counting();
    const r = await runCascade(s.cascade(fine.p));
    expect(r.screenPatches).toBe(s.screenPlan.patches.length);
    expect(r.refinedPatches + r.skippedPatches).toBe(s.finePlan.patches.length);
    expect(fine.calls()).toBe(r.refinedPatches);
    // refined patches: those near an edge (never more than the ones within a screen pixel of it)
    // (or over the slide's right and bottom border, where the screen read the padding beyond it)
    const k = (p: (typeof s.finePlan.patches)[number]) => p.keepOnSlide;
    const overBorder = (p: (typeof s.finePlan.patches)[number]) =>
      k(p).x + k(p).width + 16 > area.width || k(p).y + k(p).height + 16 > area.height;
    const near = s.finePlan.patches.filter((p) => touchesEdge(k(p), 8) || overBorder(p)).length;
    expect(r.refinedPatches).toBeGreaterThan(0);
    expect(r.refinedPatches).toBeLessThanOrEqual(near);
    expect(r.skippedPatches).toBeGreaterThan(s.finePlan.patches.length / 2);

    const full = setup();
    await runAnalysis(full.job(fineG, full.finePlan.patches, full.fineStore, engine));
    expect(s.fineStore.cellCount).toBe(full.fineStore.cellCount);
    let maxErr = 0;
    for (const { col, row, cell } of full.fineStore.entries()) {
      const got = s.fineStore.getCell(col, row)!;
      for (let k = 0; k < cell.length; k++) maxErr = Math.max(maxErr, Math.abs(got[k] - cell[k]));
    }
    expect(maxErr).toBeLessThanOrEqual(1); // uint8 rounding only
  });

  it('shows everything coarse first, keeps unrefined cells provisional when aborted, and resumes them', async () => {
    const s = setup();
    const provisional: ProvisionalCells = new Set();
    const controller = new AbortController();
    const fine = counting();
    let coarseCells = -1;
    const base = s.cascade(fine.p);
    const run = runCascade({
      ...base,
      fine: { ...base.fine, signal: controller.signal },
      coarseAll: true,
      provisional,
      onCoarse: () => {
        coarseCells = s.fineStore.cellCount;
        controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy(isAbortError);
    expect(coarseCells).toBe(s.finePlan.patches.length); // the whole region, before any fine patch
    expect(fine.calls()).toBe(0);
    expect(provisional.size).toBeGreaterThan(0);
    const sink = cascadeSink(s.fineStore, provisional);
    const pending = s.finePlan.patches.filter((p) => !sink.has(p.col, p.row)).length;
    expect(pending).toBe(provisional.size);

    const again = await runCascade({
      ...s.cascade(fine.p),
      coarseAll: true,
      provisional,
    });
    expect(again.screenPatches).toBe(0); // screen cached
    expect(again.refinedPatches).toBe(pending);
    expect(again.skippedPatches).toBe(0);
    expect(provisional.size).toBe(0);
  });

  it('skip: false (a preview): coarse everywhere first, then the fine model on every patch, equal to it alone', async () => {
    const s = setup();
    const provisional: ProvisionalCells = new Set();
    const fine = counting();
    let coarse = { cells: -1, pending: -1, skipped: -1 };
    const r = await runCascade({
      ...s.cascade(fine.p),
      skip: false,
      coarseAll: true,
      provisional,
      onCoarse: ({ skipped }) => {
        coarse = { cells: s.fineStore.cellCount, pending: provisional.size, skipped };
        expect(fine.calls()).toBe(0);
      },
    });
    // the whole region coarse before the first fine patch, all of it provisional
    expect(coarse).toEqual({
      cells: s.finePlan.patches.length,
      pending: s.finePlan.patches.length,
      skipped: 0,
    });
    expect(r.skippedPatches).toBe(0);
    expect(r.refinedPatches).toBe(s.finePlan.patches.length);
    expect(fine.calls()).toBe(s.finePlan.patches.length);
    expect(provisional.size).toBe(0);
    const full = setup();
    await runAnalysis(full.job(fineG, full.finePlan.patches, full.fineStore, engine));
    expect(s.fineStore.cellCount).toBe(full.fineStore.cellCount);
    for (const { col, row, cell } of full.fineStore.entries())
      expect(Array.from(s.fineStore.getCell(col, row)!)).toEqual(Array.from(cell)); // the fine model's exactly
  });
});
