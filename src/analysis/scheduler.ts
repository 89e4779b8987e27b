// Runs planned patches through a predictor in fixed-size batches and stitches results into a store.
//
// Usage (viewport mode: each pan/zoom aborts the previous run):
//   const runner = new LatestRunner();
//   runner.run((signal) => runAnalysis({ source, slideMpp, spec, geometry,
//     patches: planViewport(view, {...}).patches, predictor: engine, store, contextCache,
//     signal, onProgress: (p) => setProgress(p) }));
// Whole-slide: runAnalysis with planWholeSlide(...).patches and a signal from a Cancel button.
//
// Batches are pipelined: the slide reads for batch k+1 run while batch k is on the backend.
// Patches already in the store are skipped, so returning to a region is instant. A
// BackendLostError makes the predictor fall back to its next backend and the batch is retried.

import {
  contextRegion,
  type PatchGeometry,
  type PlannedPatch,
  targetRegion,
} from '../geometry/patch-geometry';
import { BackendLostError } from '../inference/backend-types';
import type { EngineModelSpec } from '../inference/model-spec';
import type { RgbaImage, SlideSource } from '../slide/slide-types';
import { abortError, isAbortError, newAbortError } from '../util/abort';
import type { ContextCache } from './context-cache';
import { type InputNormalization, UNIT_RANGE, writePatch } from './patch-input';

/** What the scheduler needs from the engine (the worker proxy has the same shape). */
export interface Predictor {
  readonly batchSize: number;
  predict(inputs: Record<string, Float32Array>, count: number): Promise<Float32Array>;
  fallback?(): Promise<string>;
}

/** Where stitched results go (ProbabilityStore satisfies it). */
export interface ResultSink {
  has(col: number, row: number): boolean;
  putPatch(patch: PlannedPatch, output: Float32Array, slot: number): void;
}

export interface Progress {
  done: number;
  total: number;
  /** patches skipped because they were already in the store */
  cached: number;
  /** patches per second since the start */
  rate: number;
  /** estimated ms left; null until the first batch is done */
  etaMs: number | null;
  elapsedMs: number;
}

export interface AnalysisJob {
  source: SlideSource;
  slideMpp: number;
  spec: EngineModelSpec;
  geometry: PatchGeometry;
  /** overrides the spec's per-input normalisation (default: the card's, else bytes/255) */
  norm?: InputNormalization;
  patches: PlannedPatch[];
  predictor: Predictor;
  store: ResultSink;
  /** shared low-res blocks for context inputs; without it context is read per patch */
  contextCache?: ContextCache | null;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** after each batch is stitched, e.g. to refresh overlay tiles */
  onBatch?: (patches: PlannedPatch[]) => void;
  /** the first batch's reads are in (`read`) and its predictions back (`predicted`): timeline marks */
  onFirst?: (event: 'read' | 'predicted') => void;
}

export interface AnalysisResult extends Progress {
  /** backends switched to after device loss */
  fallbacks: string[];
}

interface PreparedBatch {
  patches: PlannedPatch[];
  inputs: Record<string, Float32Array>;
}

export async function runAnalysis(job: AnalysisJob): Promise<AnalysisResult> {
  const { signal, spec, predictor } = job;
  const B = predictor.batchSize;
  const todo = job.patches.filter((p) => !job.store.has(p.col, p.row));
  const cached = job.patches.length - todo.length;
  const total = job.patches.length;
  const start = performance.now();
  const fallbacks: string[] = [];
  let done = cached;
  const progress = (): Progress => {
    const elapsedMs = performance.now() - start;
    const computed = done - cached;
    const rate = elapsedMs > 0 ? (computed * 1000) / elapsedMs : 0;
    return {
      done,
      total,
      cached,
      rate,
      etaMs: computed > 0 ? ((total - done) / rate) * 1000 : null,
      elapsedMs,
    };
  };
  job.onProgress?.(progress());

  const [targetSpec, contextSpec] = spec.inputs;
  const read = (patch: PlannedPatch, which: 'target' | 'context'): Promise<RgbaImage> => {
    if (which === 'target')
      return job.source.readRegion({ ...targetRegion(patch.center, job.geometry, job.slideMpp), signal });
    const region = contextRegion(patch.center, job.geometry, job.slideMpp);
    return job.contextCache
      ? job.contextCache.read(region, signal)
      : job.source.readRegion({ ...region, signal });
  };

  const prepare = async (patches: PlannedPatch[]): Promise<PreparedBatch> => {
    if (signal?.aborted) throw abortError(signal);
    const inputs: Record<string, Float32Array> = {};
    const reads: Promise<void>[] = [];
    for (const [input, which] of [
      [targetSpec, 'target'],
      [contextSpec, 'context'],
    ] as const) {
      if (!input) continue;
      const buf = new Float32Array(B * input.size * input.size * input.channels);
      inputs[input.name] = buf;
      patches.forEach((p, slot) => {
        const norm = job.norm ?? input.normalization ?? UNIT_RANGE;
        reads.push(read(p, which).then((img) => writePatch(img, buf, slot, norm)));
      });
    }
    await Promise.all(reads);
    return { patches, inputs };
  };

  const predict = async (batch: PreparedBatch): Promise<Float32Array> => {
    for (;;) {
      try {
        return await predictor.predict(batch.inputs, batch.patches.length);
      } catch (error) {
        if (!(error instanceof BackendLostError) || !predictor.fallback) throw error;
        fallbacks.push(await predictor.fallback());
      }
    }
  };

  const batches: PlannedPatch[][] = [];
  for (let i = 0; i < todo.length; i += B) batches.push(todo.slice(i, i + B));
  let next: Promise<PreparedBatch> | null = batches.length > 0 ? prepare(batches[0]) : null;
  try {
    for (let k = 0; k < batches.length; k++) {
      const current = await next!;
      if (k === 0) job.onFirst?.('read');
      next = k + 1 < batches.length ? prepare(batches[k + 1]) : null;
      // an abandoned prefetch must not surface as an unhandled rejection
      next?.catch(() => {});
      if (signal?.aborted) throw abortError(signal);
      const out = await predict(current);
      if (signal?.aborted) throw abortError(signal);
      if (k === 0) job.onFirst?.('predicted');
      current.patches.forEach((p, slot) => {
        job.store.putPatch(p, out, slot);
      });
      done += current.patches.length;
      job.onBatch?.(current.patches);
      job.onProgress?.(progress());
    }
  } finally {
    next?.catch(() => {});
  }
  return { ...progress(), fallbacks };
}

/**
 * Keeps only the latest run alive: starting a run aborts the one before (pan/zoom).
 * Resolves to undefined for a run that was superseded or cancelled.
 */
export class LatestRunner {
  private controller: AbortController | null = null;

  async run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.controller?.abort(newAbortError('superseded'));
    const controller = new AbortController();
    this.controller = controller;
    try {
      return await task(controller.signal);
    } catch (error) {
      if (controller.signal.aborted && isAbortError(error)) return undefined;
      throw error;
    } finally {
      if (this.controller === controller) this.controller = null;
    }
  }

  cancel(): void {
    this.controller?.abort(newAbortError('cancelled'));
    this.controller = null;
  }
}
