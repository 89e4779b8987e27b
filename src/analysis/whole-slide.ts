// The set-up of a whole-slide run, shared by the batch (src/batch/analyze-slide.ts) and the
// evaluation CLI (scripts/eval.ts): the app's keep margin, every tissue patch in raster order, a
// fresh probability store and, for context models, the shared low-res context cache.
//
// Usage:
//   const { margin, plan, store, contextCache } = wholeSlideSetup({ source, slideMpp, geometry, modelId, tissue });
//   await runAnalysis({ source, slideMpp, spec, geometry, patches: plan.patches, predictor, store, contextCache });

import { marginOf, type PatchGeometry } from '../geometry/patch-geometry';
import { ProbabilityStore } from '../heatmap/probability-store';
import type { SlideSource } from '../slide/slide-types';
import type { TissueMask } from '../tissue/tissue-detection';
import { ContextCache } from './context-cache';
import { type Plan, planWholeSlide } from './viewport-planner';

export interface WholeSlideOptions {
  source: SlideSource;
  slideMpp: number;
  geometry: PatchGeometry;
  modelId: string;
  tissue: TissueMask | null;
  /** smallest tissue fraction of a patch (the card's tissueDetection.minFraction; default 0.05) */
  minTissue?: number;
  /** output pixels dropped each side; default the geometry's (marginOf: the trained patch's keepMarginFor) */
  margin?: number;
}

export interface WholeSlideSetup {
  margin: number;
  plan: Plan;
  store: ProbabilityStore;
  contextCache: ContextCache | null;
}

export function wholeSlideSetup(o: WholeSlideOptions): WholeSlideSetup {
  const { source, slideMpp, geometry } = o;
  const margin = o.margin ?? marginOf(geometry);
  const plan = planWholeSlide({
    slide: source.metadata,
    slideMpp,
    geometry,
    keepMargin: margin,
    tissue: o.tissue,
    minTissue: o.minTissue,
  });
  const store = new ProbabilityStore({
    modelId: o.modelId,
    targetMpp: geometry.targetMpp,
    slideMpp,
    targetSize: geometry.targetSize,
    margin,
  });
  const contextCache =
    geometry.contextMpp !== undefined
      ? new ContextCache(source, { contextDownsample: geometry.contextMpp / slideMpp })
      : null;
  return { margin, plan, store, contextCache };
}
