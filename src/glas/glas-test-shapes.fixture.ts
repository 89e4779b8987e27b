// Hand-made label images for the GlaS metric tests: rectangles and discs painted by label.

import { type LabelImage, labelImage } from './label-image';

export function paint(w: number, h: number, shapes: Array<[label: number, shape: Shape]>): LabelImage {
  const img = labelImage(w, h);
  for (const [label, s] of shapes) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) if (inside(s, x, y)) img.data[y * w + x] = label;
    }
  }
  return img;
}

export type Shape =
  | { rect: [x: number, y: number, width: number, height: number] }
  | { disc: [cx: number, cy: number, r: number] };

function inside(s: Shape, x: number, y: number): boolean {
  if ('rect' in s) {
    const [rx, ry, rw, rh] = s.rect;
    return x >= rx && x < rx + rw && y >= ry && y < ry + rh;
  }
  const [cx, cy, r] = s.disc;
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}
