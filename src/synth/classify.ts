// Point classification of a synthetic layout: the tissue class at a level-0 point, the one
// definition that painting (paint.ts) and the masks (mask.ts) both use.

import type { SlideLayout } from './layout';
import { fbm2 } from './noise';
import { depthInside } from './shape';

export const TissueClass = {
  background: 0,
  stroma: 1,
  lymphoid: 2,
  fat: 3,
  /** shared by tumour interiors and look-alike interiors */
  interior: 4,
  /** look-alike rim: dense small dark nuclei */
  mantle: 5,
  /** tumour rim: pale desmoplastic stroma */
  desmoplastic: 6,
} as const;
export type TissueClassCode = (typeof TissueClass)[keyof typeof TissueClass];

export interface PointClass {
  cls: TissueClassCode;
  /** index into layout.objects, or −1 */
  object: number;
}

/** Tissue class at a level-0 point; the one definition that painting and masks both use. */
export function classifyPoint(layout: SlideLayout, x: number, y: number): PointClass {
  if (x >= 0 && y >= 0 && x < layout.width && y < layout.height) {
    const b =
      layout.buckets[
        Math.floor(y / layout.bucketSize) * layout.bucketCols + Math.floor(x / layout.bucketSize)
      ];
    for (const index of b) {
      const o = layout.objects[index];
      const dx = x - o.shape.cx;
      const dy = y - o.shape.cy;
      if (dx * dx + dy * dy >= o.outer * o.outer) continue;
      const depth = depthInside(o.shape, x, y);
      if (depth >= 0) {
        return { cls: o.kind === 'fat' ? TissueClass.fat : TissueClass.interior, object: index };
      }
      if (-depth < o.rim) {
        return { cls: o.kind === 'tumour' ? TissueClass.desmoplastic : TissueClass.mantle, object: index };
      }
    }
  }
  if (depthInside(layout.tissue, x, y) < 0) return { cls: TissueClass.background, object: -1 };
  return { cls: backgroundTissueClass(layout, x, y), object: -1 };
}

/** Stroma or lymphoid tissue, from a low-frequency field (scale ≈ 600 µm). */
export function backgroundTissueClass(layout: SlideLayout, x: number, y: number): TissueClassCode {
  const s = (600 / layout.mpp) | 0;
  return fbm2(x / s, y / s, layout.fieldSeed) > layout.lymphoidThreshold
    ? TissueClass.lymphoid
    : TissueClass.stroma;
}
