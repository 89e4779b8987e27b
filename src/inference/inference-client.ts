// Main-thread handle on the inference worker, shaped as the scheduler's Predictor.
//
// Usage:
//   const inference = await startInference('models/test-tiny-mrn/', { backend: 'auto' });
//   inference.decision;   // chosen backend + timings
//   runAnalysis({ ..., predictor: inference, spec: inference.spec, geometry: inference.geometry });
//   inference.terminate();
//
// BackendLostError does not survive structured cloning as a class, so errors whose name is
// 'BackendLostError' are rebuilt here and the scheduler's fallback logic works unchanged.

import { type Remote, wrap } from 'comlink';
import type { PatchGeometry } from '../geometry/patch-geometry';
import { type BackendChoice, BackendLostError } from './backend-types';
import type { BackendDecision } from './engine';
import type { InferenceWorkerApi } from './inference-worker';
import type { ModelCard } from './model-card';
import type { EngineModelSpec } from './model-spec';

export interface InferenceHandle {
  readonly batchSize: number;
  readonly decision: BackendDecision;
  readonly card: ModelCard;
  readonly spec: EngineModelSpec;
  readonly geometry: PatchGeometry;
  predict(inputs: Record<string, Float32Array>, count: number): Promise<Float32Array>;
  fallback(): Promise<string>;
  terminate(): void;
}

export async function startInference(
  url: string,
  options: { backend: BackendChoice; batchSize?: number; card?: ModelCard | string; signal?: AbortSignal },
): Promise<InferenceHandle> {
  const worker = new Worker(new URL('./inference-worker.ts', import.meta.url), { type: 'module' });
  const remote: Remote<InferenceWorkerApi> = wrap<InferenceWorkerApi>(worker);
  const onAbort = () => {
    void remote.abort();
    worker.terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const loaded = await remote.load(url, {
      backend: options.backend,
      batchSize: options.batchSize,
      card: options.card,
    });
    return {
      ...loaded,
      async predict(inputs, count) {
        try {
          // copied, not transferred: the scheduler retries the same batch after a fallback
          return await remote.predict(inputs, count);
        } catch (error) {
          if (error instanceof Error && error.name === 'BackendLostError') {
            throw new BackendLostError(loaded.decision.chosen, error.message, error);
          }
          throw error;
        }
      },
      fallback: () => remote.fallback(),
      terminate: () => worker.terminate(),
    };
  } catch (error) {
    worker.terminate();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
