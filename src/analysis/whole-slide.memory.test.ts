// Whole-slide analysis on a 100 000 × 100 000 px slide (scripts/fixtures/scale-fixtures.ts) must
// not allocate per-pixel arrays over the slide: one byte per level-0 pixel would be 9.3 GB, one
// per pixel at the model's 1 µm/px still 596 MB. Measured here with the real tissue detector,
// planner and probability store: the memory they keep is reported in MB and bounded.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { makeScaleTiff, SCALE_SIZE, scaleIsTissue } from '../../scripts/fixtures/scale-fixtures';
import { marginOf, type PatchGeometry, tileGeometry } from '../geometry/patch-geometry';
import { ProbabilityStore } from '../heatmap/probability-store';
import { createSharpJpegDecoder } from '../slide/decoders/node/jpeg-sharp';
import { openSlide } from '../slide/open-slide';
import { detectTissue } from '../tissue/tissue-detection';
import { planWholeSlide } from './viewport-planner';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes held on the JS heap and in ArrayBuffers, after a full collection. */
function retained(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
const mb = (b: number) => +(b / 2 ** 20).toFixed(1);

// the shipped MRN's geometry: 64 px at 1 µm/px, context 64 px at 4 µm/px, and its 256 px tile
// (context 256 px at 4 µm/px); both keep the trained patch's margin (marginOf: keepMarginFor(64))
const trained: PatchGeometry = { targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 };

describe.each([64, 256])('whole-slide analysis of a 100k² slide, %i px tiles', (tileSize) => {
  const geometry = tileGeometry(trained, tileSize);
  const margin = marginOf(geometry);
  const size = geometry.targetSize;
  const keep = size - 2 * margin;
  // 4000 patches of 64 px: the same kept area in 256 px tiles
  const stored = Math.ceil((4000 * 48 * 48) / (keep * keep));
  it('plans and stores results without per-pixel arrays over the slide', async () => {
    const bytes = await makeScaleTiff();
    const slide = await openSlide(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      jpegDecoder: createSharpJpegDecoder(),
    });
    const slideMpp = slide.metadata.mpp!;
    const perTargetPixel = (SCALE_SIZE * slideMpp) ** 2; // bytes at one byte per 1 µm pixel

    const m0 = retained();
    const tissue = await detectTissue(slide);
    const mTissue = retained() - m0;

    const m1 = retained();
    const plan = planWholeSlide({ slide: slide.metadata, slideMpp, geometry, keepMargin: margin, tissue });
    const mPlan = retained() - m1;
    // the tissue ellipse covers 24 % of the slide (its tiles are part glass): the plan keeps patches in it only
    const inTissue = plan.patches.filter((p) => scaleIsTissue(p.center.x, p.center.y)).length;
    expect(margin).toBe(8);
    expect(plan.total).toBe(Math.ceil(SCALE_SIZE / ((keep * trained.targetMpp) / slideMpp)) ** 2);
    expect(plan.patches.length).toBeGreaterThan(0.05 * plan.total);
    expect(plan.patches.length).toBeLessThan(0.3 * plan.total);
    expect(inTissue / plan.patches.length).toBeGreaterThan(0.85); // the rest straddle its edge

    // the store of a whole-slide run: empty, then with `stored` tiles spread over the slide
    const m2 = retained();
    const store = new ProbabilityStore({ modelId: 'mrn', targetMpp: 1, slideMpp, targetSize: size, margin });
    const mEmpty = retained() - m2;
    const output = new Float32Array(size * size).fill(0.7);
    const step = Math.floor(plan.patches.length / stored);
    for (let i = 0; i < stored; i++) store.putPatch(plan.patches[i * step], output);
    const mStore = retained() - m2;
    const cellBytes = store.keep * store.keep;
    expect(store.keep).toBe(keep);
    // the far corner of the slide reads back like the first patch
    const lastPatch = plan.patches[(stored - 1) * step];
    expect(store.sampleLevel0(lastPatch.center.x, lastPatch.center.y)).toBeCloseTo(0.7, 2);
    const fullRun = plan.patches.length * cellBytes;

    console.log(
      JSON.stringify({
        slide: `${SCALE_SIZE}x${SCALE_SIZE} px at ${slideMpp} µm/px`,
        tileSize: size,
        margin,
        tissueMaskMb: mb(mTissue),
        tissueMask: `${tissue.width}x${tissue.height}`,
        planMb: mb(mPlan),
        planPatches: plan.patches.length,
        gridCells: plan.total,
        emptyStoreMb: mb(mEmpty),
        storedTiles: stored,
        storeMbForStoredTiles: mb(mStore),
        storeBytesPerTile: Math.round(mStore / stored),
        fullRunStoreMbEstimate: mb(fullRun),
        onePerTargetPixelMb: mb(perTargetPixel),
      }),
    );
    // generous bounds, each far below an array over the slide at the model's resolution
    expect(mTissue).toBeLessThan(16 << 20);
    expect(mPlan).toBeLessThan(64 << 20);
    expect(mPlan).toBeLessThan(perTargetPixel / 8);
    expect(mEmpty).toBeLessThan(1 << 20);
    // each stored tile costs its kept keep² bytes plus bookkeeping, wherever it lies
    expect(mStore / stored).toBeLessThan(cellBytes * 2);
    expect(mStore / stored).toBeGreaterThan(cellBytes * 0.9);
    // a whole run's store stays bounded, far below one byte per 1 µm pixel of the slide
    expect(fullRun).toBeLessThan(perTargetPixel / 2);
    slide.close();
  });
});
