// Exact YCbCr -> RGBA for the planes WebCodecs' ImageDecoder returns, through a 1.6 KB SIMD wasm
// kernel (source: wasm/ycc-to-rgba.ts). It reproduces libjpeg-turbo's fancy upsampling and colour
// conversion bit for bit, so tiles decoded this way equal createImageBitmap's (and OpenSlide's)
// pixels, at ~0.07 ms per 256² tile here. Pure and synchronous: works in workers and in Node.

import { YCC_TO_RGBA_WASM } from './ycc-to-rgba-wasm';

/** VideoFrame pixel formats the kernel takes: 4:2:0 and 4:4:4, 8-bit. */
export type YccFormat = 'I420' | 'I444';

export interface PlaneLayout {
  offset: number;
  stride: number;
}

export interface YccPlanes {
  format: YccFormat;
  /** the JPEG image's size (chroma plane sizes follow from it) */
  width: number;
  height: number;
  /** Y, Cb, Cr planes as VideoFrame.copyTo wrote them */
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
  scratchBytes(w: number): number;
  slackBytes(): number;
}

let kernel: Kernel | null = null;

function loadKernel(): Kernel {
  if (!kernel) {
    const bytes = Uint8Array.from(atob(YCC_TO_RGBA_WASM), (c) => c.charCodeAt(0));
    kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Kernel;
  }
  return kernel;
}

const PAGE = 65536;
const align = (n: number) => (n + 63) & ~63;

/** Chroma plane size in samples for a JPEG image size. */
export function chromaSize(format: YccFormat, width: number, height: number): [number, number] {
  return format === 'I420' ? [(width + 1) >> 1, (height + 1) >> 1] : [width, height];
}

/**
 * RGBA of the image's top-left outWidth×outHeight (edge tiles are stored padded; upsampling still
 * sees the whole image, as libjpeg does), as a view into the kernel's memory that the next call
 * overwrites: copy it, or hand it to something that copies synchronously (createImageBitmap of an
 * ImageData does). Borrowing saves a 256 KB allocation per tile, which showed up as GC time.
 */
export function yccToRgbaView(
  planes: YccPlanes,
  outWidth = planes.width,
  outHeight = planes.height,
): Uint8ClampedArray {
  const { format, width, height, data, layout } = planes;
  if (!(outWidth > 0 && outHeight > 0 && outWidth <= width && outHeight <= height))
    throw new RangeError(`output ${outWidth}×${outHeight} is not within the ${width}×${height} image`);
  const [cw, ch] = chromaSize(format, width, height);
  const need: [number, number, number][] = [
    [layout[0].offset, layout[0].stride, width],
    [layout[1].offset, layout[1].stride, cw],
    [layout[2].offset, layout[2].stride, cw],
  ];
  for (const [i, [offset, stride, rowWidth]] of need.entries()) {
    const rows = i === 0 ? height : ch;
    if (stride < rowWidth || offset < 0 || offset + stride * (rows - 1) + rowWidth > data.length)
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
  k.convert(
    input + layout[0].offset,
    layout[0].stride,
    input + layout[1].offset,
    layout[1].stride,
    input + layout[2].offset,
    layout[2].stride,
    width,
    height,
    format === 'I420' ? 1 : 0,
    output,
    outWidth,
    outHeight,
    scratch,
  );
  return new Uint8ClampedArray(k.memory.buffer, output, outWidth * outHeight * 4);
}

/** As yccToRgbaView, into a new array the caller owns. */
export function yccToRgba(planes: YccPlanes, outWidth = planes.width, outHeight = planes.height) {
  return yccToRgbaView(planes, outWidth, outHeight).slice();
}
