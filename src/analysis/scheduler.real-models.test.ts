import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { PlannedPatch } from '../geometry/patch-geometry';
import { ProbabilityStore } from '../heatmap/probability-store';
import { createEngine } from '../inference/engine';
import { type LoadedModel, loadModelWith } from '../inference/model-loader';
import { nodeFileHandler, readModelCard } from '../inference/node/node-model-io';
import { openSlide } from '../slide/index';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { ContextCache } from './context-cache';
import { runAnalysis } from './scheduler';
import { planViewport } from './viewport-planner';

// The scheduler with real exported models and a real slide: stitching, alignment, context blocks.
const load = async (id: string): Promise<LoadedModel> =>
  loadModelWith(nodeFileHandler(`models/${id}/model.json`), await readModelCard(`models/${id}`));
const haveModels = ['test-tiny-mrn', 'test-pattern'].every((m) => existsSync(`models/${m}/card.json`));
const cmu = sharedPath('cmuSvs');

/** A model on the engine, CMU-1 open, and a store for the model's output at 1 µm/px. */
async function setup(id: string, backend: 'cpu' | 'wasm') {
  const model = await load(id);
  const engine = createEngine({ backend });
  await engine.load(model.artifacts, model.spec);
  const slide = await openSlide(new Blob([await readFile(cmu)]), { name: 'cmu' });
  const slideMpp = slide.metadata.mpp!;
  const store = new ProbabilityStore({
    modelId: model.card.id,
    targetMpp: 1,
    slideMpp,
    targetSize: 64,
    margin: 8,
  });
  /** The scheduler over `patches` with this model, slide and store. */
  const run = (patches: PlannedPatch[], contextCache: ContextCache | null) =>
    runAnalysis({
      source: slide,
      slideMpp,
      spec: model.spec,
      geometry: model.geometry,
      patches,
      predictor: engine,
      store,
      contextCache,
    });
  return { model, engine, slide, slideMpp, store, run };
}

describe.skipIf(!haveModels)('scheduler with exported test models', () => {
  describe.skipIf(!sharedAvailable('scheduler on CMU-1 with test models', 'cmuSvs'))(
    'known-pattern model on a real slide (CMU-1, 0.499 µm/px)',
    () => {
      it('stitches red/255 aligned within 1 px at the model mpp, with no seams', async () => {
        const { model, engine, slide, slideMpp, store, run } = await setup('test-pattern', 'cpu');
        const plan = planViewport(
          { x: 900, y: 1200, width: 500, height: 400 },
          { slide: slide.metadata, slideMpp, geometry: model.geometry, keepMargin: 8, marginFraction: 0 },
        );
        await run(plan.patches, null);
        engine.dispose();
        // reference: one read of the whole stitched area on the store's own pixel grid
        const b = store.cellBounds!;
        const u0 = b.col0 * 48;
        const v0 = b.row0 * 48;
        const W = (b.col1 - b.col0) * 48;
        const H = (b.row1 - b.row0) * 48;
        const ref = await slide.readRegion({
          x: u0 * store.d,
          y: v0 * store.d,
          width: W,
          height: H,
          downsample: store.d,
        });
        const meanErr = (shift: number) => {
          let sum = 0;
          let n = 0;
          for (let j = 2; j < H - 2; j++) {
            for (let i = 2; i < W - 2; i++) {
              sum += Math.abs(store.get(u0 + i + shift, v0 + j) - ref.data[(j * W + i) * 4] / 255);
              n++;
            }
          }
          return sum / n;
        };
        const [left, here, right] = [-1, 0, 1].map(meanErr);
        expect(here).toBeLessThan(0.01); // same pixels, up to uint8 storage and resampling rounding
        expect(here).toBeLessThan(left / 3); // a one-pixel shift would be clearly worse
        expect(here).toBeLessThan(right / 3);
        // seams: error along kept-part borders is no worse than inside
        let seam = 0;
        let seamN = 0;
        for (let j = 0; j < H; j++) {
          for (const i of [47, 48, 95, 96]) {
            if (i >= W) continue;
            seam += Math.abs(store.get(u0 + i, v0 + j) - ref.data[(j * W + i) * 4] / 255);
            seamN++;
          }
        }
        expect(seam / seamN).toBeLessThan(0.01);
        slide.close();
      });

      it('runs the tiny MRN over a real viewport with context from shared blocks', async () => {
        const { model, engine, slide, slideMpp, store, run } = await setup('test-tiny-mrn', 'wasm');
        const cache = new ContextCache(slide, { contextDownsample: 4 / slideMpp });
        const plan = planViewport(
          { x: 800, y: 1000, width: 600, height: 600 },
          { slide: slide.metadata, slideMpp, geometry: model.geometry, keepMargin: 8 },
        );
        const r = await run(plan.patches, cache);
        engine.dispose();
        expect(r.done).toBe(plan.patches.length);
        expect(store.cellCount).toBe(plan.patches.length);
        expect(cache.stats.blockHits).toBeGreaterThan(cache.stats.blockMisses);
        slide.close();
      });
    },
  );
});
