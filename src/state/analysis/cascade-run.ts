// The app side of the coarse-to-fine cascade (src/analysis/cascade.ts): which screen a run uses
// and whether it may skip (MRN) or only previews (the 1 µm/px U-Net), the screen's own plan of the
// run's area (its runtime, tissue rule and cached store), and the cascade's and the preview's
// fields in analyze()'s result.
//
//   const choice = screenFor(card, getAnalysis().models, wanted);   // null: no screen
//   const screen = await prepareScreen(hooks, ctx, choice.id, plan.area, focus, signal);

import type { CascadeCounts } from '../../analysis/cascade';
import { cascadeScreenFor, previewScreenFor } from '../../analysis/cascade-policy';
import type { ModelEntry } from '../../analysis/model-index';
import { type Plan, planArea } from '../../analysis/viewport-planner';
import type { Point, Rect } from '../../geometry/patch-geometry';
import type { ProbabilityStore } from '../../heatmap/probability-store';
import type { InferenceHandle } from '../../inference/inference-client';
import type { ModelCard } from '../../inference/model-card';
import type { ModelRuntimes } from './model-runtimes';
import type { ResultCache } from './result-cache';
import { planOptionsFor, type SlideContext, tissueOf } from './slide-context';

/** The cascade's own fields in analyze()'s result (null when the run was not a cascade). */
export interface CascadeInfo extends CascadeCounts {
  /** patches of this model covered coarse (sure or not) when the screen was done */
  coarsePatches: number;
  /** ms from the run's start until the coarse heatmap was in the store */
  coarseMs: number;
}

/**
 * A preview run's own fields in analyze()'s result: the screen's coarse map was shown first, then
 * the model ran on every patch (nothing skipped: the result is the model's own everywhere).
 */
export interface PreviewInfo {
  screenModel: string;
  /** screen patches computed in this run */
  screenPatches: number;
  /** patches of this model covered coarse when the screen was done */
  coarsePatches: number;
  /** ms from the run's start until the coarse heatmap was in the store */
  coarseMs: number;
  /** ms the model's own pass took after the coarse map */
  refineMs: number;
}

export interface ScreenChoice {
  id: string;
  /** true: a cascade (sure patches keep the screen's values); false: a preview only */
  skip: boolean;
}

/**
 * The screen to use for `card`, or null (the setting is off, or no coarse model is trained on this
 * model's data: GlaS, ONNX imports, test models).
 */
export function screenFor(
  card: ModelCard,
  models: readonly ModelEntry[],
  wanted: boolean,
): ScreenChoice | null {
  if (!wanted) return null;
  const cards = models.flatMap((m) => (m.card ? [m.card] : []));
  const cascade = cascadeScreenFor(card, cards);
  if (cascade) return { id: cascade, skip: true };
  const preview = previewScreenFor(card, cards);
  return preview ? { id: preview, skip: false } : null;
}

export interface PreparedScreen {
  id: string;
  handle: InferenceHandle;
  store: ProbabilityStore;
  plan: Plan;
}

/** The screen's runtime, store and plan over `area` (its own tissue rule and grid). */
export async function prepareScreen(
  hooks: { models: Pick<ModelRuntimes, 'runtime'>; cache: Pick<ResultCache, 'store'> },
  ctx: SlideContext,
  id: string,
  area: Rect,
  focus: Point | null,
  signal: AbortSignal,
): Promise<PreparedScreen> {
  const handle = await hooks.models.runtime(id);
  const tissue = await tissueOf(ctx, handle.card.tissueDetection);
  const store = await hooks.cache.store(ctx, id, handle.geometry);
  if (signal.aborted) throw signal.reason;
  const plan = planArea(
    area,
    focus,
    planOptionsFor(ctx, handle.geometry, store, tissue, (c, r) => store.has(c, r)),
  );
  return { id, handle, store, plan };
}
