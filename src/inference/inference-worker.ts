// Thin Web Worker around the engine (all logic lives in engine.ts / model-loader.ts).
// Spawn it through inference-client.ts; never import this file from the main thread.

import { expose, transfer } from 'comlink';
import type { BackendChoice } from './backends';
import { createEngine, type Engine } from './engine';
import type { ModelCard } from './model-card';
import { loadModelFromUrl } from './model-loader';
import { configureWasmPaths } from './wasm-paths';

let engine: Engine | null = null;
let controller: AbortController | null = null;

const api = {
  /** Loads a model (directory URL or model.json URL, optional user card) and picks the backend. */
  async load(
    url: string,
    options: { backend: BackendChoice; batchSize?: number; card?: ModelCard | string },
  ) {
    configureWasmPaths();
    controller?.abort(new DOMException('superseded', 'AbortError'));
    const own = new AbortController();
    controller = own;
    engine?.dispose();
    engine = createEngine({ backend: options.backend, batchSize: options.batchSize, signal: own.signal });
    const model = await loadModelFromUrl(url, { card: options.card, signal: own.signal });
    const decision = await engine.load(model.artifacts, model.spec);
    return {
      decision,
      card: model.card,
      spec: model.spec,
      geometry: model.geometry,
      batchSize: engine.batchSize,
    };
  },

  async predict(inputs: Record<string, Float32Array>, count: number): Promise<Float32Array> {
    if (!engine) throw new Error('no model loaded');
    const out = await engine.predict(inputs, count);
    return transfer(out, [out.buffer]);
  },

  async fallback(): Promise<string> {
    if (!engine) throw new Error('no model loaded');
    return engine.fallback();
  },

  /** Cancels a load in progress (backend timing, warm-up). */
  abort(): void {
    controller?.abort(new DOMException('cancelled', 'AbortError'));
  },

  dispose(): void {
    engine?.dispose();
    engine = null;
  },
};

export type InferenceWorkerApi = typeof api;

expose(api);
