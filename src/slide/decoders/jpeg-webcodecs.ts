// JPEG tiles through WebCodecs' ImageDecoder: it takes the bytes directly (createImageBitmap needs a
// Blob, and every Blob is a round trip to the browser process) and hands back the Y/Cb/Cr planes,
// which frame-to-rgba.ts converts exactly as libjpeg-turbo would. Per 256² tile here: ~0.45 ms decode
// + 0.1 ms plane copy + 0.07 ms conversion, against 1.3 ms for createImageBitmap on the same bytes.
// RGB-coded JPEG (Aperio) comes back as RGB rows, which the kernel only reorders: 0.95 against
// 1.3 ms per 240² tile. Anything else (4:2:2, a decode error) yields null: the caller falls back to
// createImageBitmap, which gives the same pixels or says what is wrong.

import { abortError } from '../slide-error';
import type { RgbaImage } from '../slide-types';
import { type FramePixels, frameToRgba, frameToRgbaView, isFrameFormat } from './frame-to-rgba';

export interface WebCodecsJpegDecoder {
  /**
   * RGBA of the image's top-left `crop` (default: all), or null where this path does not apply.
   * `borrow` (for callers that copy at once, as createImageBitmap does): the pixels are a view that
   * the next decode overwrites.
   */
  decode(
    jpeg: Uint8Array,
    signal?: AbortSignal,
    crop?: { width: number; height: number },
    borrow?: boolean,
  ): Promise<RgbaImage | null>;
  /**
   * The decoded planes, not yet converted (frameToRgbaView converts them), or null where this path
   * does not apply. `release()` hands the plane buffer back for reuse: call it once done.
   */
  decodeFrame(jpeg: Uint8Array, signal?: AbortSignal): Promise<DecodedFrame | null>;
}

export interface DecodedFrame {
  frame: FramePixels;
  release(): void;
}

/** Tiles decoded this way in this thread, for SlideStats.webCodecsTiles. */
export const webCodecsCounts = { decoded: 0 };

/** Plane buffers for copyTo, reused: fresh 100 KB buffers per tile cost GC time. */
const planeBuffers: Uint8Array[] = [];
/** a 512² RGBX tile */
const MAX_POOLED_BYTES = 1 << 20;

function releaseBuffer(buffer: Uint8Array): void {
  // keep a few tile-sized buffers; a rare huge tile's is left to the GC
  if (planeBuffers.length < 8 && buffer.length <= MAX_POOLED_BYTES) planeBuffers.push(buffer);
}

async function decodeFrame(jpeg: Uint8Array, signal?: AbortSignal): Promise<DecodedFrame | null> {
  if (signal?.aborted) throw abortError(signal);
  let decoder: ImageDecoder;
  try {
    decoder = new ImageDecoder({
      data: jpeg as Uint8Array<ArrayBuffer>,
      type: 'image/jpeg',
      colorSpaceConversion: 'none',
    });
  } catch {
    return null;
  }
  try {
    const { image } = await decoder.decode();
    try {
      const format = image.format;
      const rect = image.visibleRect;
      if (!rect) return null;
      // libjpeg skips fancy upsampling below 3 chroma columns; such tiles take the fallback
      if (!isFrameFormat(format) || (format === 'I420' && rect.width < 6)) return null;
      const size = image.allocationSize();
      const pooled = planeBuffers.pop();
      const buffer = pooled && pooled.length >= size ? pooled : new Uint8Array(size);
      try {
        const planes = buffer.subarray(0, size);
        // no format conversion here: Chromium runs it on the GPU (3x slower first SVS view
        // under software WebGL), and for YCbCr it would not be libjpeg's upsampling
        const layout = await image.copyTo(planes);
        const frame: FramePixels = { format, width: rect.width, height: rect.height, data: planes, layout };
        let released = false;
        return {
          frame,
          release() {
            if (released) return;
            released = true;
            releaseBuffer(buffer);
          },
        };
      } catch (e) {
        releaseBuffer(buffer);
        throw e;
      }
    } finally {
      image.close();
    }
  } catch {
    if (signal?.aborted) throw abortError(signal);
    return null;
  } finally {
    decoder.close();
  }
}

/** Null where the platform has no ImageDecoder (Node, older browsers). */
export function createWebCodecsJpegDecoder(): WebCodecsJpegDecoder | null {
  if (typeof ImageDecoder !== 'function') return null;
  return {
    decodeFrame,
    async decode(jpeg, signal, crop, borrow = false) {
      const decoded = await decodeFrame(jpeg, signal);
      if (!decoded) return null;
      try {
        const { frame } = decoded;
        const width = crop?.width ?? frame.width;
        const height = crop?.height ?? frame.height;
        const data = borrow ? frameToRgbaView(frame, width, height) : frameToRgba(frame, width, height);
        webCodecsCounts.decoded++;
        return { width, height, data };
      } catch {
        return null;
      } finally {
        decoded.release();
      }
    },
  };
}
