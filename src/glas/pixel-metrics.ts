// Pixel- and image-level GlaS scores, pooled over a set of images:
// - glandDice: Dice of (gland probability > threshold) against the gland mask (any instance);
// - tumourIoU: IoU of (tumour probability > threshold) against the malignant-gland pixels (the gland
//   mask on an image graded malignant, nothing on a benign one), pixels pooled over all images;
// - gradeAccuracy: share of images whose benign/malignant call (grade-rule.ts) matches Grade.csv.

export interface PixelCounts {
  tp: number;
  fp: number;
  fn: number;
}

export function emptyCounts(): PixelCounts {
  return { tp: 0, fp: 0, fn: 0 };
}

/** Adds one image's confusion counts of `predicted > threshold` against `truth(i)`. */
export function addPixelCounts(
  counts: PixelCounts,
  predicted: ArrayLike<number>,
  truth: (i: number) => boolean,
  threshold = 0.5,
): PixelCounts {
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i] > threshold;
    const t = truth(i);
    if (p && t) counts.tp++;
    else if (p) counts.fp++;
    else if (t) counts.fn++;
  }
  return counts;
}

export function dice(c: PixelCounts): number {
  const d = 2 * c.tp + c.fp + c.fn;
  return d === 0 ? 1 : (2 * c.tp) / d;
}

export function iou(c: PixelCounts): number {
  const d = c.tp + c.fp + c.fn;
  return d === 0 ? 1 : c.tp / d;
}
