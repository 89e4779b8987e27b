// One slide, one model, the whole slide: the browser's own pipeline without the browser. Tissue
// detection → wholeSlideSetup (every tissue patch at the model's target mpp, the app's keep margin) → runAnalysis
// (fixed batches, MRN context from the shared low-res cache) → ProbabilityStore → the same
// summary, regions and metrics the viewer exports. No Node imports: it runs wherever the slide
// reader and a Predictor do (the batch runs it in a worker thread).
//
// Usage:
//   const r = await analyzeSlide({ source, model, predictor: engine, backend: 'wasm', threshold: 0.5,
//                                  truth: { text, name } | null, signal, onProgress: (done, total) => {} });
//   r.summary.tumourAreaMm2; r.regions; r.store
//   // with the cascade: the screen (cascadeScreenFor) first, the model only where it is unsure
//   await analyzeSlide({ ..., screen: { model: unetContext, predictor: screenEngine } });  r.cascade
//   // (onProgress then counts the screen's patches and the model's: done reaches total at the end)

import { type CascadeCounts, runCascade } from '../analysis/cascade';
import { type CascadePolicy, DEFAULT_CASCADE_POLICY } from '../analysis/cascade-policy';
import { groundTruthFromAnnotations } from '../analysis/ground-truth';
import { type AnalysisResult, type Predictor, runAnalysis } from '../analysis/scheduler';
import { tissueForRule } from '../analysis/tissue-rule';
import { wholeSlideSetup } from '../analysis/whole-slide';
import { parseAnnotations } from '../annotations/parse-annotations';
import { segmentationMetrics } from '../heatmap/metrics';
import type { ProbabilityStore } from '../heatmap/probability-store';
import { type RegionCollection, tumourRegions } from '../heatmap/region-export';
import { slideFingerprint } from '../heatmap/result-persistence';
import { type AnalysisSummary, buildSummary } from '../heatmap/summary';
import type { LoadedModel } from '../inference/model-loader';
import type { SlideSource } from '../slide/slide-types';

/** Regions below this area are dropped, as in the viewer's GeoJSON export. */
export const MIN_REGION_UM2 = 100;

export interface TruthText {
  text: string;
  name: string;
}

export interface SlideAnalysisOptions {
  source: SlideSource;
  model: LoadedModel;
  predictor: Predictor;
  /** backend name for the summary */
  backend: string;
  threshold?: number;
  truth?: TruthText | null;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** coarse-to-fine cascade: this screen runs first, the model only where the screen is unsure */
  screen?: { model: LoadedModel; predictor: Predictor; policy?: CascadePolicy } | null;
}

export interface SlideAnalysis {
  store: ProbabilityStore;
  summary: AnalysisSummary;
  regions: RegionCollection;
  background: number;
  fingerprint: string | null;
  /** with a screen: its patches, and the model's patches refined and filled from the screen */
  cascade: BatchCascade | null;
}

/** The cascade's fields of a batch run: the viewer's counts, and the screen's own time. */
export interface BatchCascade extends CascadeCounts {
  screenMs: number;
}

export async function analyzeSlide(o: SlideAnalysisOptions): Promise<SlideAnalysis> {
  const threshold = o.threshold ?? 0.5;
  const meta = o.source.metadata;
  const slideMpp = meta.mpp;
  if (!slideMpp)
    throw new Error(`${meta.name} does not say its resolution (µm per pixel); the batch cannot analyse it.`);
  const geometry = o.model.geometry;
  const started = performance.now();
  // tissue detection as the card says ('off': every patch, for images that are tissue edge to edge)
  const tissue = await tissueForRule(o.source, o.model.card.tissueDetection, { signal: o.signal });
  const { plan, store, contextCache } = wholeSlideSetup({
    source: o.source,
    slideMpp,
    geometry,
    modelId: o.model.card.id,
    tissue: tissue.mask,
    minTissue: tissue.minFraction,
  });
  const fine = {
    source: o.source,
    slideMpp,
    spec: o.model.spec,
    geometry,
    patches: plan.patches,
    predictor: o.predictor,
    store,
    contextCache,
    signal: o.signal,
    onProgress: (p: { done: number; total: number }) => o.onProgress?.(p.done, p.total),
  };
  let result: AnalysisResult;
  let cascade: SlideAnalysis['cascade'] = null;
  if (o.screen) {
    const sm = o.screen.model;
    const screenTissue = await tissueForRule(o.source, sm.card.tissueDetection, { signal: o.signal });
    const s = wholeSlideSetup({
      source: o.source,
      slideMpp,
      geometry: sm.geometry,
      modelId: sm.card.id,
      tissue: screenTissue.mask,
      minTissue: screenTissue.minFraction,
    });
    const policy = o.screen.policy ?? DEFAULT_CASCADE_POLICY;
    // progress counts the screen's patches, then the model's (those filled from the screen at once)
    const total = s.plan.patches.length + plan.patches.length;
    let before = 0;
    const onProgress = (p: { done: number }) => o.onProgress?.(before + p.done, total);
    const r = await runCascade({
      screen: {
        ...fine,
        spec: sm.spec,
        geometry: sm.geometry,
        patches: s.plan.patches,
        predictor: o.screen.predictor,
        store: s.store,
        contextCache: s.contextCache,
        onProgress,
      },
      fine: { ...fine, onProgress },
      onCoarse: ({ skipped }) => {
        before = s.plan.patches.length + skipped;
        o.onProgress?.(before, total);
      },
      screenStore: s.store,
      policy,
      umPerPx: slideMpp,
      targetSize: geometry.targetSize,
    });
    result = { ...r.fine, done: r.fine.done + r.skippedPatches };
    cascade = {
      screenModel: sm.card.id,
      screenPatches: r.screenPatches,
      refinedPatches: r.refinedPatches,
      skippedPatches: r.skippedPatches,
      screenMs: Math.round(r.screenMs),
      refineMs: Math.round(r.refineMs),
      policy: { ...policy },
    };
  } else result = await runAnalysis(fine);
  const elapsedMs = performance.now() - started;
  const regions = tumourRegions(store, { threshold, minAreaUm2: MIN_REGION_UM2 });
  let metrics = null;
  if (o.truth) {
    const set = parseAnnotations(o.truth.text, o.truth.name);
    if (set.regions.length > 0) {
      const gt = groundTruthFromAnnotations(set, meta, o.truth.name);
      metrics = segmentationMetrics(store, gt.truth, { threshold });
    }
  }
  const fingerprint = await slideFingerprint({ ...meta, mpp: slideMpp }).catch(() => null);
  const summary = buildSummary({
    store,
    slide: meta,
    modelName: o.model.card.name,
    backend: o.backend,
    elapsedMs,
    patches: result.done - result.cached,
    threshold,
    regions,
    metrics,
    fingerprint,
  });
  return { store, summary, regions, background: plan.background, fingerprint, cascade };
}
