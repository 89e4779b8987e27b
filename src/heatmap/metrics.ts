// Agreement of a probability map with a ground-truth mask, over the analysed area only.
//
// Usage:
//   const truth = rasterizePolygons(annotationRings, storeGrid(store));   // or any GridMask
//   const m = segmentationMetrics(store, maskTruth(truth), { threshold: 0.5 });
//   m.dice, m.iou, m.precision, m.recall, m.analysedPixels
//
// Each analysed store pixel (at the target mpp) is one sample; its truth is read at its centre.

import { type GridMask, type MaskGrid, maskValueAt } from '../geometry/polygon-raster';
import type { ProbabilityStore } from './probability-store';
import { encodeProbability } from './probability-store';

export interface SegmentationMetrics {
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  analysedPixels: number;
  threshold: number;
}

/** true where the level-0 point is tumour */
export type Truth = (x: number, y: number) => boolean;

export function maskTruth(mask: GridMask): Truth {
  return (x, y) => maskValueAt(mask, x, y) === 1;
}

/** The store's analysed extent as a grid of store pixels (for rasterising truth to match). */
export function storeGrid(store: ProbabilityStore): MaskGrid {
  const b = store.cellBounds;
  if (!b) return { x: 0, y: 0, width: 0, height: 0, downsample: store.d };
  const k = store.keep;
  return {
    x: b.col0 * k * store.d,
    y: b.row0 * k * store.d,
    width: (b.col1 - b.col0) * k,
    height: (b.row1 - b.row0) * k,
    downsample: store.d,
  };
}

export function segmentationMetrics(
  store: ProbabilityStore,
  truth: Truth,
  options: { threshold?: number } = {},
): SegmentationMetrics {
  const threshold = options.threshold ?? 0.5;
  const t = encodeProbability(threshold);
  const k = store.keep;
  const d = store.d;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const { col, row, cell } of store.entries()) {
    for (let j = 0; j < k; j++) {
      const y = (row * k + j + 0.5) * d;
      for (let i = 0; i < k; i++) {
        const b = cell[j * k + i];
        if (b === 0) continue;
        const pred = b >= t;
        const gt = truth((col * k + i + 0.5) * d, y);
        if (pred && gt) tp++;
        else if (pred) fp++;
        else if (gt) fn++;
        else tn++;
      }
    }
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b); // empty vs empty agrees fully
  return {
    dice: ratio(2 * tp, 2 * tp + fp + fn),
    iou: ratio(tp, tp + fp + fn),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    tp,
    fp,
    fn,
    tn,
    analysedPixels: tp + fp + fn + tn,
    threshold,
  };
}
