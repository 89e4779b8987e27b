// Per-pixel class patches for GlaS training pairs, on the same grid as the image patch that
// patch-geometry.ts places: output pixel (i, j) of a region covers level-0
// [x + i·ds, x + (i+1)·ds) × …; it takes the class of the level-0 pixel under its centre.
// Outside the image it is background (0) with "pad" edges, as the reader pads the image outside
// with white; with "reflect" it is the class of the mirrored pixel, as reflect-edges.ts mirrors
// the image.

import type { RegionRequest } from '../slide/slide-types';
import { type EdgeMode, reflectIndex } from './reflect-edges';

export function classPatch(
  classes: Uint8Array,
  width: number,
  height: number,
  r: Pick<RegionRequest, 'x' | 'y' | 'width' | 'height' | 'downsample'>,
  edge: EdgeMode = 'pad',
): Uint8Array {
  const out = new Uint8Array(r.width * r.height);
  for (let j = 0; j < r.height; j++) {
    let y = Math.floor(r.y + (j + 0.5) * r.downsample);
    if (edge === 'reflect') y = reflectIndex(y, height);
    else if (y < 0 || y >= height) continue;
    for (let i = 0; i < r.width; i++) {
      let x = Math.floor(r.x + (i + 0.5) * r.downsample);
      if (edge === 'reflect') x = reflectIndex(x, width);
      else if (x < 0 || x >= width) continue;
      out[j * r.width + i] = classes[y * width + x];
    }
  }
  return out;
}
