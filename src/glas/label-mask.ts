// A label-mask image as ground truth (PNG, aligned to the slide at level 0; non-zero = positive),
// with the channel it is truth for. A GlaS gland mask is gland truth on every image, and tumour
// truth only on an image graded malignant: on a benign image the tumour truth is empty.
// The result has the shape of src/geometry/polygon-raster.ts' grid (x, y, cell, width, height, data
// 0/1), so the viewer's metrics can read it (the viewer wiring is not done yet).

import { decode } from 'fast-png';
import type { Grade } from './grade-rule';

export type TruthChannel = 'gland' | 'tumour';

export interface LabelMaskTruth {
  channel: TruthChannel;
  x: number;
  y: number;
  /** level-0 px per mask pixel */
  cell: number;
  width: number;
  height: number;
  /** 1 positive, 0 negative */
  data: Uint8Array;
  positives: number;
}

export const LABEL_MASK_LIMITS = { maxPixels: 100_000_000 };

export function parseLabelMaskPng(
  bytes: Uint8Array,
  name: string,
  slide: { width: number; height: number },
  channel: TruthChannel,
  grade?: Grade,
): LabelMaskTruth {
  if (
    !(bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
  ) {
    throw new Error(`${name}: not a PNG label mask`);
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new Error(`${name}: cannot decode the PNG (${(e as Error).message})`);
  }
  if (png.width * png.height > LABEL_MASK_LIMITS.maxPixels)
    throw new Error(`${name}: mask larger than ${LABEL_MASK_LIMITS.maxPixels} px`);
  // aligned to the slide: same size, or an integer downsample of it
  const cell = slide.width / png.width;
  if (!Number.isInteger(cell) || cell < 1 || Math.abs(slide.height / cell - png.height) >= 1) {
    throw new Error(
      `${name}: a ${png.width}×${png.height} mask is not aligned to the ${slide.width}×${slide.height} slide (same size or an integer downsample)`,
    );
  }
  const ch = png.channels;
  const data = new Uint8Array(png.width * png.height);
  // tumour truth from a gland mask: only on a malignant image
  const empty = channel === 'tumour' && grade === 'benign';
  let positives = 0;
  if (!empty) {
    for (let i = 0; i < data.length; i++) {
      let v = 0;
      for (let c = 0; c < Math.min(ch, 3); c++) v |= png.data[i * ch + c];
      if (v) {
        data[i] = 1;
        positives++;
      }
    }
  }
  return { channel, x: 0, y: 0, cell, width: png.width, height: png.height, data, positives };
}
