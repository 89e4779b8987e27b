// Shared by the Node and browser halves of `npm run bench -- models`: deterministic inputs (the
// parity "sinusoid-v1" formula that training/export_tfjs.py also feeds PyTorch) and the timing loop.

import type { Predictor } from '../src/analysis/scheduler';
import type { EngineModelSpec } from '../src/inference/model-spec';

export interface EngineTiming {
  backend: string;
  batch: number;
  /** first timed batch (after the engine's own warm-up batch) */
  firstBatchMs: number;
  /** median over the timed batches */
  msPerBatch: number;
  batches: number;
  patchesPerSecond: number;
  /** first outputs of patch 0, to check the backends and PyTorch computed the same thing */
  sample: number[];
  adapter?: string | null;
}

/** Elements of the output sample compared across runtimes. */
export const SAMPLE = 1024;

/**
 * NHWC inputs for `batch` patches: the real patches stored in the model's parity.json, repeated
 * (`stored`, name → n patches), else sinusoid-v1 (input k = index among the graph inputs).
 */
export function benchInputs(
  spec: EngineModelSpec,
  batch: number,
  stored?: Record<string, ArrayLike<number>> | null,
): Record<string, Float32Array> {
  const feeds: Record<string, Float32Array> = {};
  spec.inputs.forEach((input, k) => {
    const { size, channels } = input;
    const out = new Float32Array(batch * size * size * channels);
    const real = stored?.[input.name];
    if (real && real.length > 0) {
      for (let i = 0; i < out.length; i++) out[i] = real[i % real.length];
      feeds[input.name] = out;
      return;
    }
    let i = 0;
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < size; h++)
        for (let w = 0; w < size; w++)
          for (let c = 0; c < channels; c++)
            out[i++] =
              Math.sin(0.37 * h * (c + 1) + 0.23 * w + 1.7 * b + 0.5 * k) *
              Math.cos(0.11 * w * (c + 2) - 0.19 * h + k);
    feeds[input.name] = out;
  });
  return feeds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Times full batches until `budgetMs` is spent, at least `minRuns` (default 2). The engine has
 * already run its warm-up batch, so every batch here counts; the first one's output is sampled.
 */
export async function timeEngine(
  engine: Predictor,
  backend: string,
  feeds: Record<string, Float32Array>,
  budgetMs: number,
  minRuns = 2,
): Promise<EngineTiming> {
  const batch = engine.batchSize;
  const runs: number[] = [];
  let sample: number[] = [];
  const start = performance.now();
  while (runs.length < minRuns || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    const out = await engine.predict(feeds, batch);
    runs.push(performance.now() - t0);
    if (runs.length === 1) sample = Array.from(out.subarray(0, SAMPLE));
  }
  const msPerBatch = median(runs);
  return {
    backend,
    batch,
    firstBatchMs: Math.round(runs[0]),
    msPerBatch: Math.round(msPerBatch * 10) / 10,
    batches: runs.length,
    patchesPerSecond: Math.round((batch * 1000 * 10) / msPerBatch) / 10,
    sample,
  };
}
