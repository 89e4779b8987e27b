// Whether a viewport's coarse screen fits "the first heatmap in seconds": the screen's patch count
// over its measured rate (or a default before one was measured) against a budget. Over it, the
// viewport run does not start and the UI says so and offers the whole-slide run.
//
//   const limit = viewportLimit('mrn-bilinear', 'unet-context', screenPlan.patches.length, measuredRate);
//   if (limit) show(`about ${limit.estimateS.toFixed(0)} s`);   // null: it fits

/** A viewport's coarse screen should take at most this long, else the UI offers the whole slide. */
export const VIEWPORT_SCREEN_BUDGET_S = 5;
/** Screen patches/s assumed before one has been measured (the 4 µm U-Net, one wasm thread, loaded). */
export const DEFAULT_SCREEN_RATE = 30;

/** What the viewport run could not do: the coarse screen of this view would take too long. */
export interface ViewportLimit {
  model: string;
  screenModel: string;
  screenPatches: number;
  /** estimated seconds for the screen alone */
  estimateS: number;
  budgetS: number;
  /** the screen's patches/s the estimate used (measured, or the default) */
  rate: number;
}

/** Null when the screen of `patches` fits the budget at the measured (or default) rate. */
export function viewportLimit(
  model: string,
  screenModel: string,
  patches: number,
  measuredRate: number | undefined,
  budgetS = VIEWPORT_SCREEN_BUDGET_S,
): ViewportLimit | null {
  const rate = measuredRate && measuredRate > 0 ? measuredRate : DEFAULT_SCREEN_RATE;
  const estimateS = patches / rate;
  if (estimateS <= budgetS) return null;
  return { model, screenModel, screenPatches: patches, estimateS, budgetS, rate };
}
