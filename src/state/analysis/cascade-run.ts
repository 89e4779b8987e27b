// The app side of the coarse-to-fine cascade (src/analysis/cascade.ts): which screen a run uses,
// the screen's own plan of the run's area (its runtime, tissue rule and cached store), the
// and the cascade's fields in analyze()'s result.
//
//   const screenId = screenFor(card, getAnalysis().models, wanted);   // null: no cascade
//   const screen = await prepareScreen(hooks, ctx, screenId, plan.area, focus, signal);

import type { CascadeCounts } from '../../analysis/cascade';
import { cascadeScreenFor } from '../../analysis/cascade-policy';
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

/** The screen to use for `card`, or null (cascade off, or none fits this model). */
export function screenFor(card: ModelCard, models: readonly ModelEntry[], wanted: boolean): string | null {
  if (!wanted) return null;
  const cards = models.flatMap((m) => (m.card ? [m.card] : []));
  return cascadeScreenFor(card, cards);
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
