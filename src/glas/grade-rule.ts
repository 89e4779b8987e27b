// Image-level benign/malignant call from the tumour channel: malignant when the share of the
// image's predicted gland pixels that the tumour channel calls malignant exceeds `fraction`.
// Relative to the gland area, so an image with little gland tissue is judged on what it has.
// The fraction is chosen on the validation split (models/README.md).

export type Grade = 'benign' | 'malignant';

export interface GradeRule {
  /** probability above which a pixel counts (both channels) */
  threshold: number;
  /** malignant share of gland pixels above which the image is malignant */
  fraction: number;
}

export const DEFAULT_GRADE_RULE: GradeRule = { threshold: 0.5, fraction: 0.5 };

export function malignantShare(tumour: ArrayLike<number>, gland: ArrayLike<number>, threshold = 0.5): number {
  let g = 0;
  let t = 0;
  for (let i = 0; i < tumour.length; i++) {
    // tumour ⊂ gland by construction of the labels; count a tumour call as gland too
    const isT = tumour[i] > threshold;
    if (isT || gland[i] > threshold) g++;
    if (isT) t++;
  }
  return g === 0 ? 0 : t / g;
}

export function gradeCall(
  tumour: ArrayLike<number>,
  gland: ArrayLike<number>,
  rule = DEFAULT_GRADE_RULE,
): Grade {
  return malignantShare(tumour, gland, rule.threshold) > rule.fraction ? 'malignant' : 'benign';
}
