// Browser half of `npm run bench -- tensor-leak`: loaded into the page by bench/tensor-leak.ts.
// Runs the app's own inference path (startInference: the inference worker running the engine) on
// one backend at one tile size for `tiles` tiles and reads TF.js's live tensor count and bytes in
// the worker (`memory()`) after loading, after the first batch (steady state) and after every
// batch; a capped run stops early and reports how many tiles it ran.

import { startInference } from '../src/inference/inference-client';
import { benchInputs } from './models-timing';

export interface LeakRun {
  backend: string;
  chosen: string;
  adapter: string | null;
  tileSize: number;
  batch: number;
  tilesAsked: number;
  tilesRun: number;
  /** tf.memory() in the worker after load (the engine's warm-up batch included) */
  afterLoad: { numTensors: number; numBytes: number };
  /** after the first batch of the loop */
  steady: { numTensors: number; numBytes: number };
  /** after the last batch */
  after: { numTensors: number; numBytes: number };
  /** every distinct numTensors seen after a batch (one value: flat) */
  distinctCounts: number[];
  distinctBytes: number[];
  /** one count and one byte total over every batch; null when fewer than 2 batches ran (no trend) */
  flat: boolean | null;
  batchesRun: number;
  capped: boolean;
  ms: number;
}

export async function leakRunInBrowser(
  modelUrl: string,
  backend: 'webgpu' | 'webgl' | 'wasm',
  tileSize: number,
  tiles: number,
  capMs: number,
): Promise<LeakRun> {
  const t0 = performance.now();
  const inference = await startInference(modelUrl, { backend, tileSize, memory: null });
  try {
    const { chosen, adapter } = inference.decision;
    if (chosen !== backend) throw new Error(`${backend} unavailable here; the engine fell back to ${chosen}`);
    const size = inference.geometry.targetSize;
    if (size !== tileSize) throw new Error(`asked ${tileSize} px tiles, the model runs ${size} px`);
    const B = inference.batchSize;
    const feeds = benchInputs(inference.spec, B);
    const afterLoad = await inference.memory();
    const counts = new Set<number>();
    const bytes = new Set<number>();
    let steady = afterLoad;
    let done = 0;
    let batches = 0;
    let capped = false;
    while (done < tiles) {
      if (performance.now() - t0 > capMs) {
        capped = true;
        break;
      }
      const n = Math.min(B, tiles - done); // the last one may be a padded short batch
      await inference.predict(feeds, n);
      done += n;
      batches++;
      const m = await inference.memory();
      if (done === n) steady = m;
      counts.add(m.numTensors);
      bytes.add(m.numBytes);
    }
    const after = await inference.memory();
    const strip = (m: { numTensors: number; numBytes: number }) => ({
      numTensors: m.numTensors,
      numBytes: m.numBytes,
    });
    return {
      backend,
      chosen,
      adapter,
      tileSize: size,
      batch: B,
      tilesAsked: tiles,
      tilesRun: done,
      afterLoad: strip(afterLoad),
      steady: strip(steady),
      after: strip(after),
      distinctCounts: [...counts],
      distinctBytes: [...bytes],
      flat:
        batches < 2 ? null : counts.size === 1 && bytes.size === 1 && after.numTensors === steady.numTensors,
      batchesRun: batches,
      capped,
      ms: Math.round(performance.now() - t0),
    };
  } finally {
    inference.terminate();
  }
}
