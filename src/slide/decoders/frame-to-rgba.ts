// RGBA from the pixels WebCodecs' ImageDecoder returns for a JPEG, through a 1.8 KB SIMD wasm kernel
// (source: wasm/frame-to-rgba.ts):
//  - YCbCr planes (I420, I444): libjpeg-turbo's fancy upsampling and colour conversion reproduced
//    bit for bit, so tiles decoded this way equal createImageBitmap's (and OpenSlide's) pixels, at
//    ~0.07 ms per 256² tile here;
//  - RGB-coded JPEG (RGBX/BGRX rows): a channel reorder.
// Pure and synchronous: works in workers and in Node.

import { FRAME_TO_RGBA_WASM } from './frame-to-rgba-wasm';

/** 8-bit VideoFrame pixel formats the kernel takes. */
const FORMATS = ['I420', 'I444', 'RGBX', 'BGRX', 'RGBA', 'BGRA'] as const;
export type FrameFormat = (typeof FORMATS)[number];

export function isFrameFormat(format: string | null): format is FrameFormat {
  return (FORMATS as readonly (string | null)[]).includes(format);
}

export interface PlaneLayout {
  offset: number;
  stride: number;
}

export interface FramePixels {
  format: FrameFormat;
  /** the JPEG image's size (chroma plane sizes follow from it) */
  width: number;
  height: number;
  /** the planes (Y, Cb, Cr) or the one RGB plane, as VideoFrame.copyTo wrote them */
  data: Uint8Array;
  layout: readonly PlaneLayout[];
}

interface Kernel {
  memory: WebAssembly.Memory;
  convert(
    yPtr: number,
    yStride: number,
    cbPtr: number,
    cbStride: number,
    crPtr: number,
    crStride: number,
    w: number,
    h: number,
    subsampled: number,
    out: number,
    outWidth: number,
    outHeight: number,
    scratch: number,
  ): void;
  rgbxToRgba(
    src: number,
    stride: number,
    bgr: number,
    out: number,
    outWidth: number,
    outHeight: number,
  ): void;
  scratchBytes(w: number): number;
  slackBytes(): number;
}

let kernel: Kernel | null = null;

function loadKernel(): Kernel {
  if (!kernel) {
    const bytes = Uint8Array.from(atob(FRAME_TO_RGBA_WASM), (c) => c.charCodeAt(0));
    kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Kernel;
  }
  return kernel;
}

const PAGE = 65536;
const align = (n: number) => (n + 63) & ~63;

/** Each plane's size in samples (RGB: 4 bytes per pixel in one plane). */
export function planeSizes(format: FrameFormat, width: number, height: number): [number, number][] {
  if (format === 'I444')
    return [
      [width, height],
      [width, height],
      [width, height],
    ];
  if (format === 'I420') {
    const chroma: [number, number] = [(width + 1) >> 1, (height + 1) >> 1];
    return [[width, height], chroma, chroma];
  }
  return [[width * 4, height]];
}

/**
 * RGBA of the image's top-left outWidth×outHeight (edge tiles are stored padded; upsampling still
 * sees the whole image, as libjpeg does), as a view into the kernel's memory that the next call
 * overwrites: copy it, or hand it to something that copies synchronously (createImageBitmap of an
 * ImageData does). Borrowing saves a 256 KB allocation per tile, which showed up as GC time.
 */
export function frameToRgbaView(
  frame: FramePixels,
  outWidth = frame.width,
  outHeight = frame.height,
): Uint8ClampedArray {
  const { format, width, height, data, layout } = frame;
  if (!(outWidth > 0 && outHeight > 0 && outWidth <= width && outHeight <= height))
    throw new RangeError(`output ${outWidth}×${outHeight} is not within the ${width}×${height} image`);
  const sizes = planeSizes(format, width, height);
  if (layout.length < sizes.length) throw new RangeError(`${format} needs ${sizes.length} planes`);
  for (const [i, [rowBytes, rows]] of sizes.entries()) {
    const { offset, stride } = layout[i];
    if (stride < rowBytes || offset < 0 || offset + stride * (rows - 1) + rowBytes > data.length)
      throw new RangeError(`plane ${i} does not fit the ${data.length}-byte buffer`);
  }

  const k = loadKernel();
  const slack = k.slackBytes();
  const input = 64;
  const output = align(input + data.length + slack);
  const scratch = align(output + outWidth * outHeight * 4 + slack);
  const end = scratch + k.scratchBytes(width) + slack;
  if (k.memory.buffer.byteLength < end) k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / PAGE));
  new Uint8Array(k.memory.buffer).set(data, input);
  const at = (i: number) => input + layout[i].offset;
  if (format === 'I420' || format === 'I444') {
    const subsampled = format === 'I420' ? 1 : 0;
    const [y, cb, cr] = layout;
    k.convert(
      at(0),
      y.stride,
      at(1),
      cb.stride,
      at(2),
      cr.stride,
      width,
      height,
      subsampled,
      output,
      outWidth,
      outHeight,
      scratch,
    );
  } else {
    const bgr = format === 'BGRX' || format === 'BGRA' ? 1 : 0;
    k.rgbxToRgba(at(0), layout[0].stride, bgr, output, outWidth, outHeight);
  }
  return new Uint8ClampedArray(k.memory.buffer, output, outWidth * outHeight * 4);
}

/** As frameToRgbaView, into a new array the caller owns. */
export function frameToRgba(frame: FramePixels, outWidth = frame.width, outHeight = frame.height) {
  return frameToRgbaView(frame, outWidth, outHeight).slice();
}
