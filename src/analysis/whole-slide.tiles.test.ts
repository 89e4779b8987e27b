// Real model, real (synthetic) slide: MRN-bilinear stitched from 256 px tiles against the same
// area from 64 px patches, through wholeSlideSetup's store and the scheduler. The 256 px map
// must agree with the 64 px one, and its seams (every 240 px, where one tile's kept part meets
// the next) must jump no more than the 64 px map's own seams (every 48 px) do.

import { existsSync, openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnnotations } from '../annotations/parse-annotations';
import type { ProbabilityStore } from '../heatmap/probability-store';
import { createEngine } from '../inference/engine';
import { loadModelDir } from '../inference/node/load-model-dir';
import { createSharpJpegDecoder } from '../slide/decoders/node/jpeg-sharp';
import { openSlide } from '../slide/open-slide';
import type { SlideReader } from '../slide/slide-reader';
import { writeSyntheticSlide } from '../synth/node/write-synthetic-slide';
import { runAnalysis } from './scheduler';
import { wholeSlideSetup } from './whole-slide';

const MODEL = 'models/mrn-bilinear';

describe.skipIf(!existsSync(`${MODEL}/card.json`))('MRN stitched from 256 px tiles', () => {
  let dir: string;
  let source: SlideReader;
  /** a tumour's centre, µm */
  let tumour: { x: number; y: number };
  beforeAll(async () => {
    setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'tiles-stitch-'));
    const files = await writeSyntheticSlide({ seed: 1004, sizeMm: 1.5, outDir: dir });
    source = await openSlide(await openAsBlob(files.tiff), { jpegDecoder: createSharpJpegDecoder() });
    const ring = parseAnnotations(await readFile(files.geojson, 'utf8')).regions[0].rings[0];
    const mpp = source.metadata.mpp!;
    const xs = ring.map(([x]) => x * mpp);
    const ys = ring.map(([, y]) => y * mpp);
    tumour = { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: (Math.min(...ys) + Math.max(...ys)) / 2 };
  });
  afterAll(async () => {
    source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The store of `tileSize` px tiles over the level-0 square [x0, x0 + side) × [y0, y0 + side). */
  async function stitch(tileSize: number, x0: number, y0: number, side: number): Promise<ProbabilityStore> {
    const model = await loadModelDir(MODEL, { tileSize });
    const slideMpp = source.metadata.mpp!;
    const engine = createEngine({ backend: 'wasm', candidates: ['wasm'] });
    try {
      await engine.load(model.artifacts, model.spec);
      const { plan, store, contextCache } = wholeSlideSetup({
        source,
        slideMpp,
        geometry: model.geometry,
        modelId: model.card.id,
        tissue: null,
      });
      const inside = plan.patches.filter(
        (p) =>
          p.keepOnSlide.x >= x0 &&
          p.keepOnSlide.y >= y0 &&
          p.keepOnSlide.x + p.keepOnSlide.width <= x0 + side &&
          p.keepOnSlide.y + p.keepOnSlide.height <= y0 + side,
      );
      await runAnalysis({
        source,
        slideMpp,
        spec: model.spec,
        geometry: model.geometry,
        patches: inside,
        predictor: engine,
        store,
        contextCache,
      });
      return store;
    } finally {
      engine.dispose();
    }
  }

  it('agrees with 64 px patches and shows no seam worse than theirs', { timeout: 300_000 }, async () => {
    const d = 1 / source.metadata.mpp!; // level-0 px per 1 µm output px
    // 2 × 2 tiles of 256 px (240 kept) = 10 × 10 patches of 64 px (48 kept) around a tumour; both
    // grids meet at multiples of 240 µm
    const u0 = Math.max(0, Math.round(tumour.x / 240) * 240 - 240);
    const v0 = Math.max(0, Math.round(tumour.y / 240) * 240 - 240);
    const side = 480;
    const big = await stitch(256, u0 * d, v0 * d, side * d);
    const small = await stitch(64, u0 * d, v0 * d, side * d);
    expect(big.cellCount).toBe(4);
    expect(small.cellCount).toBe(100);
    let diff = 0;
    let agree = 0;
    let positive = 0;
    let n = 0;
    for (let v = v0; v < v0 + side; v++)
      for (let u = u0; u < u0 + side; u++) {
        const a = big.get(u, v);
        const b = small.get(u, v);
        diff += Math.abs(a - b);
        if (a >= 0.5 === b >= 0.5) agree++;
        if (b >= 0.5) positive++;
        n++;
      }
    /** mean |p(u) − p(u − 1)| across the columns `cols` (store px), over the area's rows */
    const jump = (s: ProbabilityStore, offsets: number[]) => {
      let sum = 0;
      let k = 0;
      for (const o of offsets)
        for (let t = 0; t < side; t++) {
          // across column u0 + o and across row v0 + o
          sum += Math.abs(s.get(u0 + o, v0 + t) - s.get(u0 + o - 1, v0 + t));
          sum += Math.abs(s.get(u0 + t, v0 + o) - s.get(u0 + t, v0 + o - 1));
          k += 2;
        }
      return sum / k;
    };
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const seams256 = [240];
    const seams64 = range(1, 10).map((i) => 48 * i);
    const interior = range(1, side).filter((o) => !seams64.includes(o) && !seams256.includes(o));
    const r = {
      tumourFraction64: positive / n,
      meanAbsDiff: diff / n,
      agreeAt05: agree / n,
      seamJump256: jump(big, seams256),
      seamJump64: jump(small, seams64),
      interiorJump256: jump(big, interior),
      interiorJump64: jump(small, interior),
    };
    console.info(JSON.stringify(r));
    // the area holds tumour and background: the comparison is not of two blank maps
    expect(r.tumourFraction64).toBeGreaterThan(0.05);
    expect(r.tumourFraction64).toBeLessThan(0.95);
    expect(r.meanAbsDiff).toBeLessThan(0.05);
    expect(r.agreeAt05).toBeGreaterThan(0.95);
    // a seam of the 256 px map jumps no more than the 64 px map's seams (today's accepted level)
    expect(r.seamJump256).toBeLessThanOrEqual(Math.max(1.5 * r.seamJump64, 2 * r.interiorJump256));
  });
});
