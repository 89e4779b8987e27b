// Numbers about one model's heatmap, for the panel and the scripting API.
//
// Usage:
//   heatmapStats(store, { threshold: 0.5, backend: 'wasm', truth: gt?.truth })
//   // { patches, analysedPixels, meanProbability, tumourAreaMm2, analysedAreaMm2, backend, dice?, iou? }

import { segmentationMetrics, type Truth } from '../heatmap/metrics';
import type { ProbabilityStore } from '../heatmap/probability-store';

export interface HeatmapStats {
  /** the heatmap key: the model id, or `<model>#<channel>` for a channel other than the tumour one */
  model: string;
  /** the output channel the numbers refer to (the model's tumour channel by default) */
  channel: string;
  /** analysed patches (grid cells) */
  patches: number;
  /** analysed store pixels (at the model's target mpp) */
  analysedPixels: number;
  /** mean tumour probability over analysed pixels; null when none */
  meanProbability: number | null;
  tumourAreaMm2: number;
  analysedAreaMm2: number;
  threshold: number;
  backend: string | null;
  /** against ground truth over the analysed area, when there is ground truth */
  dice?: number;
  iou?: number;
}

export function heatmapStats(
  store: ProbabilityStore,
  options: { threshold?: number; backend?: string | null; truth?: Truth | null; channel?: string },
): HeatmapStats {
  const threshold = options.threshold ?? 0.5;
  let sum = 0;
  let analysed = 0;
  for (const { cell } of store.entries()) {
    for (let k = 0; k < cell.length; k++) {
      const b = cell[k];
      if (b !== 0) {
        analysed++;
        sum += (b - 1) / 254;
      }
    }
  }
  const { positive } = store.countPixels(threshold);
  const mm2PerPx = (store.info.targetMpp * store.info.targetMpp) / 1e6;
  const stats: HeatmapStats = {
    model: store.info.modelId,
    channel: options.channel ?? 'tumour',
    patches: store.cellCount,
    analysedPixels: analysed,
    meanProbability: analysed > 0 ? sum / analysed : null,
    tumourAreaMm2: positive * mm2PerPx,
    analysedAreaMm2: analysed * mm2PerPx,
    threshold,
    backend: options.backend ?? null,
  };
  if (options.truth && analysed > 0) {
    const m = segmentationMetrics(store, options.truth, { threshold });
    stats.dice = m.dice;
    stats.iou = m.iou;
  }
  return stats;
}
