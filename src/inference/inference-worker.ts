// Thin Web Worker around the engine (all logic lives in engine.ts / model-loader.ts).
// Spawn it through inference-client.ts; never import this file from the main thread.
//
// The client drives the `auto` choice step by step (init, trial per backend, commit) so that it can
// terminate this worker when a trial overruns: a blocked shader compile cannot be interrupted here.

import * as tf from '@tensorflow/tfjs';
import { expose, transfer } from 'comlink';
import { newAbortError } from '../util/abort';
import { type BackendChoice, type BackendName, registeredBackends } from './backends';
import { type BackendTiming, createEngine, type Engine } from './engine';
import type { FlipCount } from './flip-count';
import type { ModelCard } from './model-card';
import { loadModelFromUrl } from './model-loader';
import { configureWasmPaths } from './wasm-paths';
import { configureWasmThreads } from './wasm-threads';

let engine: Engine | null = null;
let controller: AbortController | null = null;

const api = {
  /** Loads a model (directory URL or model.json URL, optional user card); no backend chosen yet. */
  async init(
    url: string,
    options: {
      batchSize?: number;
      card?: ModelCard | string;
      threads?: number;
      tileSize?: number | null;
      optimize?: boolean;
    },
  ) {
    configureWasmPaths();
    configureWasmThreads(options.threads ?? 1);
    controller?.abort(newAbortError('superseded'));
    const own = new AbortController();
    controller = own;
    engine?.dispose();
    engine = createEngine({
      backend: 'auto',
      batchSize: options.batchSize,
      signal: own.signal,
      optimize: options.optimize,
    });
    const f0 = performance.now();
    const model = await loadModelFromUrl(url, {
      card: options.card,
      signal: own.signal,
      tileSize: options.tileSize,
    });
    engine.prepare(model.artifacts, model.spec);
    const fetchMs = performance.now() - f0;
    return {
      fetchMs,
      card: model.card,
      spec: model.spec,
      geometry: model.geometry,
      batchSize: engine.batchSize,
      available: registeredBackends(),
    };
  },

  /** Builds on `name` and times it within about `budgetMs`. */
  trial(name: BackendName, budgetMs: number): Promise<BackendTiming> {
    if (!engine) throw new Error('no model loaded');
    return engine.trial(name, budgetMs);
  },

  /** Settles on `name` (else the next backends in order) and returns the decision. */
  commit(name: BackendName, requested: BackendChoice, timings: BackendTiming[], remembered = false) {
    if (!engine) throw new Error('no model loaded');
    return engine.commit(name, requested, timings, { remembered });
  },

  async predict(
    inputs: Record<string, Float32Array>,
    count: number,
    channel?: number,
    flips?: FlipCount,
  ): Promise<Float32Array> {
    if (!engine) throw new Error('no model loaded');
    const out = await engine.predict(inputs, count, channel, flips);
    return transfer(out, [out.buffer]);
  },

  async fallback(): Promise<string> {
    if (!engine) throw new Error('no model loaded');
    return engine.fallback();
  },

  /** TF.js's live tensor count and bytes on this worker's backend (leak checks). */
  memory(): { numTensors: number; numBytes: number; backend: string } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, backend: tf.getBackend() };
  },

  /** Cancels a load in progress (backend timing, warm-up). */
  abort(): void {
    controller?.abort(newAbortError('cancelled'));
  },

  dispose(): void {
    engine?.dispose();
    engine = null;
  },
};

export type InferenceWorkerApi = typeof api;

expose(api);
