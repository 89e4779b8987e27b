// Browser half of `npm run bench -- models`: loaded into the page by bench/models.ts.
// Times the app's own inference path (startInference: the inference worker running the engine)
// on one backend in Chromium, on the same deterministic inputs as the Node and PyTorch runs.
// On SwiftShader (no GPU here) one WebGPU batch of a real model can take minutes, so each
// (model, backend) gets a cap; past it the worker is terminated and the row says so.

import { startInference } from '../src/inference/inference-client';
import { benchInputs, type EngineTiming, timeEngine } from './models-timing';

export async function benchModelInBrowser(
  modelUrl: string,
  backend: 'webgpu' | 'webgl' | 'wasm',
  budgetMs: number,
  capMs: number,
  stored: Record<string, number[]> | null,
): Promise<EngineTiming> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`over the ${Math.round(capMs / 1000)} s cap (load, warm-up and timing)`));
    }, capMs);
  });
  const work = async () => {
    const inference = await startInference(modelUrl, { backend, signal: controller.signal });
    controller.signal.addEventListener('abort', () => inference.terminate());
    try {
      const { chosen, timings, adapter } = inference.decision;
      if (chosen !== backend)
        throw new Error(`${backend} unavailable here; the engine fell back to ${chosen}`);
      // the engine timed this backend while loading; a slow backend is not timed again
      const own = timings.find((t) => t.backend === backend && t.ok);
      const feeds = benchInputs(inference.spec, inference.batchSize, stored);
      if (own?.msPerBatch !== undefined && own.msPerBatch > budgetMs)
        return { ...(await timeEngine(inference, backend, feeds, 0, 1)), adapter };
      return { ...(await timeEngine(inference, backend, feeds, budgetMs)), adapter };
    } finally {
      inference.terminate();
    }
  };
  try {
    return await Promise.race([work(), cap]);
  } finally {
    clearTimeout(timer);
  }
}
