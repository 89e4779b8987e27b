import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatchGeometry, PlannedPatch } from '../geometry/patch-geometry';
import { ProbabilityStore } from '../heatmap/probability-store';
import { BackendLostError } from '../inference/backend-types';
import { createEngine, type Engine } from '../inference/engine';
import { identityEngine, tinyGraphArtifacts, tinyGraphSpec } from '../inference/tiny-graph.fixture';
import { syntheticSource } from '../slide/synthetic-source.fixture';
import { isAbortError } from '../util/abort';
import { ContextCache } from './context-cache';
import { LatestRunner, type Predictor, type Progress, runAnalysis } from './scheduler';
import { planViewport } from './viewport-planner';

const unet: PatchGeometry = { targetSize: 64, targetMpp: 1 };
const mrn: PatchGeometry = { ...unet, contextSize: 64, contextMpp: 4 };
const slideMpp = 0.5; // d = 2 level-0 px per output px
// red varies smoothly plus a sharp bright square with known edges (level-0 [400,560) × [300,420))
const paint = (x: number, y: number): [number, number, number] => {
  const inSquare = x >= 400 && x < 560 && y >= 300 && y < 420;
  return [inSquare ? 250 : (x + 2 * y) % 200, 128, 64];
};
const newStore = (modelId = 'identity') =>
  new ProbabilityStore({ modelId, targetMpp: 1, slideMpp, targetSize: 64, margin: 8 });

describe('scheduler with a real TF.js graph (identity-like: output = red/255)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await identityEngine();
  });
  afterAll(() => engine.dispose());

  it('stitches patches into a map that reproduces the input with no seams, aligned to the pixel', async () => {
    const source = syntheticSource(1000, 800, paint);
    const store = newStore();
    const plan = planViewport(
      { x: 200, y: 150, width: 500, height: 400 },
      { slide: source.metadata, slideMpp, geometry: unet, keepMargin: 8, marginFraction: 0 },
    );
    const result = await runAnalysis({
      source,
      slideMpp,
      spec: tinyGraphSpec(),
      geometry: unet,
      patches: plan.patches,
      predictor: engine,
      store,
    });
    expect(result.done).toBe(plan.patches.length);
    // every store pixel equals the red channel box-averaged over the level-0 pixels it covers
    const b = store.cellBounds!;
    let checked = 0;
    let maxErr = 0;
    for (let v = b.row0 * 48; v < b.row1 * 48; v++) {
      for (let u = b.col0 * 48; u < b.col1 * 48; u++) {
        const got = store.get(u, v);
        if (Number.isNaN(got)) continue;
        const want =
          (await source.readRegion({ x: u * 2, y: v * 2, width: 1, height: 1, downsample: 2 })).data[0] / 255;
        maxErr = Math.max(maxErr, Math.abs(got - want));
        checked++;
      }
    }
    expect(checked).toBe(store.cellCount * 48 * 48);
    expect(maxErr).toBeLessThan(0.005); // uint8 storage only; a 1 px shift would give ≥ 2/255 on the ramp
    // the square's edges land on the right store pixels: level-0 400 → u = 200, 560 → u = 280
    const row = 180; // level-0 y = 360, inside the square
    expect(store.get(199, row)).toBeLessThan(0.8);
    expect(store.get(200, row)).toBeCloseTo(250 / 255, 2);
    expect(store.get(279, row)).toBeCloseTo(250 / 255, 2);
    expect(store.get(280, row)).toBeLessThan(0.8);
    expect(store.sampleLevel0(400.5, 361)).toBeCloseTo(250 / 255, 2);
    expect(store.sampleLevel0(399.5, 361)).toBeLessThan(0.8);
  });

  it('processes centre-out, reports progress, and returns instantly from cache', async () => {
    const source = syntheticSource(1000, 800, paint);
    const store = newStore();
    const calls: number[] = [];
    const recording: Predictor = {
      batchSize: engine.batchSize,
      predict: (inputs, count) => {
        calls.push(count);
        return engine.predict(inputs, count);
      },
    };
    const plan = planViewport(
      { x: 300, y: 200, width: 400, height: 300 },
      { slide: source.metadata, slideMpp, geometry: unet, keepMargin: 8 },
    );
    const focus = { x: 500, y: 350 };
    const dist = (p: PlannedPatch) => Math.hypot(p.center.x - focus.x, p.center.y - focus.y);
    const done: PlannedPatch[] = [];
    const progress: Progress[] = [];
    const run = (hooks: Pick<Parameters<typeof runAnalysis>[0], 'onBatch' | 'onProgress'> = {}) =>
      runAnalysis({
        source,
        slideMpp,
        spec: tinyGraphSpec(),
        geometry: unet,
        patches: plan.patches,
        predictor: recording,
        store,
        ...hooks,
      });
    await run({ onBatch: (ps) => done.push(...ps), onProgress: (p) => progress.push(p) });
    for (let i = 1; i < done.length; i++) expect(dist(done[i])).toBeGreaterThanOrEqual(dist(done[i - 1]));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(plan.patches.length);
    expect(progress.at(-1)).toMatchObject({ done: plan.patches.length, total: plan.patches.length });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(progress[1].etaMs).not.toBeNull();
    // revisit: nothing recomputed
    calls.length = 0;
    const again = await run();
    expect(calls).toEqual([]);
    expect(again.cached).toBe(plan.patches.length);
  });

  it('stops stale work when the viewport moves (AbortSignal, LatestRunner)', async () => {
    const source = syntheticSource(2000, 2000, paint, { delayMs: 2 });
    const store = newStore();
    const opts = { slide: source.metadata, slideMpp, geometry: unet, keepMargin: 8 };
    const runner = new LatestRunner();
    let batchesOfFirst = 0;
    const first = runner.run((signal) =>
      runAnalysis({
        source,
        slideMpp,
        spec: tinyGraphSpec(),
        geometry: unet,
        patches: planViewport({ x: 0, y: 0, width: 900, height: 900 }, opts).patches,
        predictor: engine,
        store,
        signal,
        onBatch: () => {
          batchesOfFirst++;
        },
      }),
    );
    await new Promise((r) => setTimeout(r, 30));
    const secondPlan = planViewport({ x: 1200, y: 1200, width: 300, height: 300 }, opts);
    const second = runner.run((signal) =>
      runAnalysis({
        source,
        slideMpp,
        spec: tinyGraphSpec(),
        geometry: unet,
        patches: secondPlan.patches,
        predictor: engine,
        store,
        signal,
      }),
    );
    expect(await first).toBeUndefined(); // superseded
    const r2 = await second;
    expect(r2?.done).toBe(secondPlan.patches.length);
    const firstTotal = planViewport({ x: 0, y: 0, width: 900, height: 900 }, opts).patches.length;
    expect(batchesOfFirst * 8).toBeLessThan(firstTotal);
    for (const p of secondPlan.patches) expect(store.has(p.col, p.row)).toBe(true);

    const controller = new AbortController();
    controller.abort(new DOMException('cancel', 'AbortError'));
    const cancelled = runAnalysis({
      source,
      slideMpp,
      spec: tinyGraphSpec(),
      geometry: unet,
      patches: planViewport({ x: 1500, y: 0, width: 300, height: 300 }, opts).patches,
      predictor: engine,
      store: newStore(),
      signal: controller.signal,
    });
    await expect(cancelled).rejects.toSatisfy(isAbortError);
  });

  it('falls back after a lost backend and retries the batch', async () => {
    const source = syntheticSource(600, 600, paint);
    let lostOnce = false;
    let fallbacks = 0;
    const flaky: Predictor = {
      batchSize: 8,
      predict: (inputs, count) => {
        if (!lostOnce) {
          lostOnce = true;
          return Promise.reject(new BackendLostError('webgpu', 'device lost'));
        }
        return engine.predict(inputs, count);
      },
      fallback: async () => {
        fallbacks++;
        return 'wasm';
      },
    };
    const store = newStore();
    const plan = planViewport(
      { x: 100, y: 100, width: 300, height: 300 },
      { slide: source.metadata, slideMpp, geometry: unet, keepMargin: 8 },
    );
    const r = await runAnalysis({
      source,
      slideMpp,
      spec: tinyGraphSpec(),
      geometry: unet,
      patches: plan.patches,
      predictor: flaky,
      store,
    });
    expect(fallbacks).toBe(1);
    expect(r.fallbacks).toEqual(['wasm']);
    expect(store.cellCount).toBe(plan.patches.length);
  });

  it('feeds MRN context from the shared block cache', async () => {
    const mrnEngine = createEngine({ backend: 'cpu', batchSize: 8 });
    await mrnEngine.load(tinyGraphArtifacts({ withContext: true }), tinyGraphSpec({ withContext: true }));
    const source = syntheticSource(1200, 1200, paint);
    const cache = new ContextCache(source, { contextDownsample: 8, blockSize: 128 });
    const plan = planViewport(
      { x: 300, y: 300, width: 600, height: 600 },
      { slide: source.metadata, slideMpp, geometry: mrn, keepMargin: 8 },
    );
    const store = newStore('mrn');
    await runAnalysis({
      source,
      slideMpp,
      spec: tinyGraphSpec({ withContext: true }),
      geometry: mrn,
      patches: plan.patches,
      predictor: mrnEngine,
      store,
      contextCache: cache,
    });
    mrnEngine.dispose();
    expect(store.cellCount).toBe(plan.patches.length);
    expect(cache.stats.outputPixels).toBe(plan.patches.length * 64 * 64);
    expect(cache.stats.blockHits).toBeGreaterThan(cache.stats.blockMisses);
    // target reads only: context never went to readRegion at downsample 8
    expect(source.reads.filter((r) => r.downsample === 8)).toEqual([]);
  });
});
