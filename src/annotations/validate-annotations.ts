// Catches annotations meant for another slide or another level: anything well outside the slide.

import { AnnotationError, type AnnotationSet } from './annotation-types';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function annotationBounds(set: AnnotationSet): Bounds {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const r of set.regions) {
    for (const ring of r.rings) {
      for (const [x, y] of ring) {
        if (x < b.minX) b.minX = x;
        if (y < b.minY) b.minY = y;
        if (x > b.maxX) b.maxX = x;
        if (y > b.maxY) b.maxY = y;
      }
    }
  }
  return b;
}

/**
 * Throws when any vertex lies outside the slide by more than `tolerance` (a fraction of the
 * slide's size, default 2 %), naming the likely cause.
 */
export function validateAnnotationsFit(
  set: AnnotationSet,
  slideWidth: number,
  slideHeight: number,
  tolerance = 0.02,
): void {
  if (set.regions.length === 0) return;
  const b = annotationBounds(set);
  const tx = slideWidth * tolerance;
  const ty = slideHeight * tolerance;
  if (b.minX < -tx || b.minY < -ty || b.maxX > slideWidth + tx || b.maxY > slideHeight + ty) {
    const fx = b.maxX / slideWidth;
    const fy = b.maxY / slideHeight;
    const hint =
      fx > 1.5 || fy > 1.5
        ? ` They reach ${Math.max(fx, fy).toFixed(1)}× the slide's size: level-0 coordinates on a lower level? Scale them.`
        : ' Are they for another slide?';
    throw new AnnotationError(
      `Annotations span x ${b.minX.toFixed(0)}…${b.maxX.toFixed(0)}, y ${b.minY.toFixed(0)}…${b.maxY.toFixed(0)}, ` +
        `outside the ${slideWidth}×${slideHeight} slide (tolerance ${(tolerance * 100).toFixed(0)} %).${hint}`,
    );
  }
}
