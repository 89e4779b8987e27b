// Whether a viewport's first heatmap comes "in seconds": for a model with a cascade screen, the
// screen's patch count over its measured rate (or a default before one was measured) against a
// budget; for a model without one (U-Net, GlaS, ONNX imports), the whole view's patches of the model
// itself over its rate against a budget of its own. Over it, the viewport run does not start (no
// partial heatmap) and the UI says so and offers the whole-slide run.
//
//   const limit = viewportLimit('mrn-bilinear', 'unet-context', screenPlan.patches.length, measuredRate);
//   if (limit) show(`about ${limit.estimateS.toFixed(0)} s`);   // null: it fits
//   viewportLimit('unet', null, plan.patches.length, rate, VIEWPORT_FULL_BUDGET_S, defaultRateFor(256));

/** A viewport's coarse screen should take at most this long, else the UI offers the whole slide. */
export const VIEWPORT_SCREEN_BUDGET_S = 5;
/** Screen patches/s assumed before one has been measured (the 4 µm U-Net, one wasm thread, loaded). */
export const DEFAULT_SCREEN_RATE = 30;
/**
 * A model without a screen has no coarse pass: its view is covered whole in one pass, which may
 * take this long (the old 600-patch cap of 64 px U-Net patches took about 7 s on one wasm thread).
 */
export const VIEWPORT_FULL_BUDGET_S = 10;

/** Patches/s assumed for `targetSize` px tiles before any was measured (the default scaled by area). */
export const defaultRateFor = (targetSize: number) => DEFAULT_SCREEN_RATE * (64 / targetSize) ** 2;

/** What the viewport run could not do: the coarse screen of this view would take too long. */
export interface ViewportLimit {
  model: string;
  /** the cascade's screen; null: the model has none, and its own pass over the view is too long */
  screenModel: string | null;
  /** patches of the first pass: the screen's, or the model's own when it has no screen */
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
  screenModel: string | null,
  patches: number,
  measuredRate: number | undefined,
  budgetS = VIEWPORT_SCREEN_BUDGET_S,
  defaultRate = DEFAULT_SCREEN_RATE,
): ViewportLimit | null {
  const rate = measuredRate && measuredRate > 0 ? measuredRate : defaultRate;
  const estimateS = patches / rate;
  if (estimateS <= budgetS) return null;
  return { model, screenModel, screenPatches: patches, estimateS, budgetS, rate };
}
