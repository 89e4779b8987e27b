// Ground-truth masks straight from the layout (not from the painting): exact by construction.

import type { ObjectKind, SlideLayout } from './layout';
import { depthInside } from './shape';

export interface LayoutMask {
  width: number;
  height: number;
  /** µm per mask pixel */
  mpp: number;
  /** 0 or 255, row-major */
  data: Uint8Array;
}

/** Mask of the interiors of objects of one kind at `maskMpp` (pixel centres sampled). */
export function layoutMask(layout: SlideLayout, maskMpp = 1, kind: ObjectKind = 'tumour'): LayoutMask {
  const f = maskMpp / layout.mpp; // level-0 px per mask px
  const width = Math.ceil(layout.width / f);
  const height = Math.ceil(layout.height / f);
  const data = new Uint8Array(width * height);
  for (const o of layout.objects) {
    if (o.kind !== kind) continue;
    const s = o.shape;
    const ja = Math.max(0, Math.floor((s.cy - s.maxRadius) / f));
    const jb = Math.min(height, Math.ceil((s.cy + s.maxRadius) / f));
    const ia = Math.max(0, Math.floor((s.cx - s.maxRadius) / f));
    const ib = Math.min(width, Math.ceil((s.cx + s.maxRadius) / f));
    for (let j = ja; j < jb; j++) {
      for (let i = ia; i < ib; i++) {
        if (depthInside(s, (i + 0.5) * f, (j + 0.5) * f) >= 0) data[j * width + i] = 255;
      }
    }
  }
  return { width, height, mpp: maskMpp, data };
}
