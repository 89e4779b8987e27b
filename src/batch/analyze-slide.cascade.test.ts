// analyzeSlide with a screen (the batch's cascade path) on a small in-memory slide with the tiny
// test models: the same patches and analysed area as without it; with a policy under which the
// screen is sure everywhere, the model computes no patch (src/analysis/cascade.test.ts has the rest).
import { resolve } from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../inference/engine';
import type { LoadedModel } from '../inference/model-loader';
import { loadModelDir } from '../inference/node/load-model-dir';
import { syntheticSource } from '../slide/synthetic-source.fixture';
import { analyzeSlide } from './analyze-slide';
import { loadBatchModel } from './node/batch-models';

// 0.3 × 0.25 mm of pink "tissue" at 0.5 µm/px with a darker blob, and a white strip
const source = syntheticSource(
  600,
  500,
  (x, y) => {
    if (x > 540) return [245, 245, 245];
    const blob = (x - 250) ** 2 + (y - 250) ** 2 < 100 ** 2;
    return blob ? [150, 60, 140] : [220, 140, 190];
  },
  { mpp: 0.5 },
);
const models: Record<string, { model: LoadedModel; engine: Engine }> = {};

beforeAll(async () => {
  setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  for (const id of ['test-tiny-mrn', 'test-tiny-unet']) {
    // the screen on its trained 64 px patch, as the shipped screen (unet-context, no larger tiles)
    // runs; the tiny U-Net's default is its 256 px tile
    const model =
      id === 'test-tiny-unet'
        ? await loadModelDir(resolve('models', id), { tileSize: 64 })
        : await loadBatchModel(resolve('models', id));
    const engine = createEngine({ backend: 'wasm', candidates: ['wasm'] });
    await engine.load(model.artifacts, model.spec);
    models[id] = { model, engine };
  }
}, 120_000);
afterAll(() => {
  for (const m of Object.values(models)) m.engine.dispose();
});

describe('analyzeSlide with a screen', () => {
  it('covers the same patches and area; where the screen is sure the model does not run', async () => {
    const fine = models['test-tiny-mrn'];
    const screen = models['test-tiny-unet'];
    const base = { source, model: fine.model, predictor: fine.engine, backend: 'wasm' };
    const plain = await analyzeSlide(base);
    expect(plain.cascade).toBeNull();
    expect(plain.summary.patches).toBeGreaterThan(4);
    // everything is below 1.01: every patch is filled from the screen, none computed by the model
    const always = await analyzeSlide({
      ...base,
      screen: { model: screen.model, predictor: screen.engine, policy: { low: 1.01, high: 1.02, haloUm: 0 } },
    });
    expect(always.summary.patches).toBe(plain.summary.patches);
    expect(always.summary.analysedAreaMm2).toBeCloseTo(plain.summary.analysedAreaMm2, 9);
    expect(always.cascade).toMatchObject({
      screenModel: 'test-tiny-unet',
      refinedPatches: 0,
      skippedPatches: plain.summary.patches,
    });
    expect(always.cascade!.screenPatches).toBeGreaterThan(0);
  }, 120_000);
});
