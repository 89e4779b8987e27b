// A label-mask image as ground truth: a PNG or a TIFF aligned to the slide (the same size as level 0,
// or an integer downsample of it), non-zero = positive, stating the output channel it is truth for.
// A GlaS gland mask (instance labels) is gland truth on every image, and tumour truth only on an
// image graded malignant: on a benign image the tumour truth is empty; with no grade known there is
// no tumour truth (null), never a guess.
//
// Usage:
//   const grid = await parseLabelMask(bytes, 'testA_1.png', slide.metadata);   // 0/1 GridMask
//   labelMaskTruths(grid, 'malignant')   // {gland: grid, tumour: grid} ; 'benign' → tumour all 0
//   parseLabelMaskPng(bytes, name, slide, 'tumour', grade)   // one channel, synchronous (PNG only)

import { decode } from 'fast-png';
import type { GridMask } from '../geometry/polygon-raster';
import type { Grade } from './grade-rule';

export type TruthChannel = 'gland' | 'tumour';

export interface LabelMaskGrid extends GridMask {
  positives: number;
}

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

export const LABEL_MASK_LIMITS = { maxPixels: 100_000_000, maxBytes: 256 << 20 };

interface Decoded {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
}

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

export function isTiffBytes(b: Uint8Array): boolean {
  return b.length >= 8 && ((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d));
}

function decodePng(bytes: Uint8Array, name: string): Decoded {
  try {
    const png = decode(bytes);
    return { width: png.width, height: png.height, channels: png.channels, data: png.data };
  } catch (e) {
    throw new Error(`${name}: cannot decode the PNG (${(e as Error).message})`);
  }
}

async function decodeTiff(bytes: Uint8Array, name: string): Promise<Decoded> {
  const { fromArrayBuffer } = await import('geotiff');
  try {
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const image = await (await fromArrayBuffer(buf)).getImage(0);
    const width = image.getWidth();
    const height = image.getHeight();
    if (width * height > LABEL_MASK_LIMITS.maxPixels)
      throw new Error(`mask larger than ${LABEL_MASK_LIMITS.maxPixels} px`);
    const channels = image.getSamplesPerPixel();
    const data = (await image.readRasters({ interleave: true })) as unknown as ArrayLike<number>;
    return { width, height, channels, data };
  } catch (e) {
    throw new Error(`${name}: cannot read the TIFF mask (${(e as Error).message})`);
  }
}

function toGrid(img: Decoded, name: string, slide: { width: number; height: number }): LabelMaskGrid {
  if (img.width * img.height > LABEL_MASK_LIMITS.maxPixels)
    throw new Error(`${name}: mask larger than ${LABEL_MASK_LIMITS.maxPixels} px`);
  // aligned to the slide: same size, or an integer downsample of it
  const cell = slide.width / img.width;
  if (!Number.isInteger(cell) || cell < 1 || Math.abs(slide.height / cell - img.height) >= 1) {
    throw new Error(
      `${name}: a ${img.width}×${img.height} mask is not aligned to the ${slide.width}×${slide.height} slide (same size or an integer downsample)`,
    );
  }
  const ch = img.channels;
  const data = new Uint8Array(img.width * img.height);
  let positives = 0;
  for (let i = 0; i < data.length; i++) {
    let v = 0;
    // grey, grey+alpha, RGB, RGBA: any non-zero colour sample is positive (alpha is not a label)
    for (let c = 0; c < (ch === 2 ? 1 : Math.min(ch, 3)); c++) v = v || img.data[i * ch + c];
    if (v) {
      data[i] = 1;
      positives++;
    }
  }
  return { x: 0, y: 0, width: img.width, height: img.height, downsample: cell, data, positives };
}

/** Decodes a PNG or TIFF label mask into a 0/1 grid over the slide; errors name the file. */
export async function parseLabelMask(
  bytes: Uint8Array,
  name: string,
  slide: { width: number; height: number },
): Promise<LabelMaskGrid> {
  if (bytes.length > LABEL_MASK_LIMITS.maxBytes)
    throw new Error(`${name}: mask file larger than ${LABEL_MASK_LIMITS.maxBytes} bytes`);
  if (isPng(bytes)) return toGrid(decodePng(bytes, name), name, slide);
  if (isTiffBytes(bytes)) return toGrid(await decodeTiff(bytes, name), name, slide);
  throw new Error(`${name}: not a PNG or TIFF label mask`);
}

/** Per-channel truth of a gland mask: tumour truth is the mask on a malignant image, empty on a benign one, none when the grade is unknown. */
export function labelMaskTruths(
  grid: LabelMaskGrid,
  grade: Grade | null | undefined,
): { gland: LabelMaskGrid; tumour: LabelMaskGrid | null } {
  const tumour =
    grade === 'malignant'
      ? grid
      : grade === 'benign'
        ? { ...grid, data: new Uint8Array(grid.data.length), positives: 0 }
        : null;
  return { gland: grid, tumour };
}

/** One channel's truth from a PNG mask (synchronous; GlaS dataset code). */
export function parseLabelMaskPng(
  bytes: Uint8Array,
  name: string,
  slide: { width: number; height: number },
  channel: TruthChannel,
  grade?: Grade,
): LabelMaskTruth {
  if (!isPng(bytes)) throw new Error(`${name}: not a PNG label mask`);
  const grid = toGrid(decodePng(bytes, name), name, slide);
  // tumour truth from a gland mask: only on a malignant image
  const empty = channel === 'tumour' && grade === 'benign';
  const data = empty ? new Uint8Array(grid.data.length) : grid.data;
  return {
    channel,
    x: 0,
    y: 0,
    cell: grid.downsample,
    width: grid.width,
    height: grid.height,
    data,
    positives: empty ? 0 : grid.positives,
  };
}
