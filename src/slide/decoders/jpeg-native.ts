// JPEG decoding in browsers and Web Workers with the platform decoder: WebCodecs' ImageDecoder and
// the exact colour kernel where they apply (jpeg-webcodecs.ts), otherwise createImageBitmap on the
// tile's bytes and an OffscreenCanvas read-back to RGBA. Both give the same pixels. Colour
// management is switched off so that pixels match the file (and OpenSlide).

import { abortError, SlideError } from '../slide-error';
import type { RgbaImage } from '../slide-types';
import { frameToRgbaView } from './frame-to-rgba';
import type { JpegDecoder } from './jpeg-decoder';
import { createWebCodecsJpegDecoder, webCodecsCounts } from './jpeg-webcodecs';

export function createNativeJpegDecoder(): JpegDecoder {
  let canvas: OffscreenCanvas | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  const webCodecs = createWebCodecsJpegDecoder();
  const decoder: JpegDecoder = {
    name: 'native',
    async decode(jpeg: Uint8Array, signal?: AbortSignal): Promise<RgbaImage> {
      const fast = await webCodecs?.decode(jpeg, signal);
      if (fast) return fast;
      if (signal?.aborted) throw abortError(signal);
      let bitmap: ImageBitmap;
      try {
        const blob = new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
        bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      } catch (e) {
        throw new SlideError('decode-failed', `A JPEG tile could not be decoded: ${(e as Error).message}.`, {
          cause: e,
        });
      }
      try {
        const { width, height } = bitmap;
        if (!canvas || canvas.width < width || canvas.height < height) {
          canvas = new OffscreenCanvas(width, height);
          ctx = canvas.getContext('2d', { willReadFrequently: true });
        }
        if (!ctx)
          throw new SlideError('decode-failed', 'This browser cannot read pixels back from a canvas.');
        ctx.clearRect(0, 0, width, height);
        ctx.drawImage(bitmap, 0, 0);
        const img = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' });
        return { width, height, data: img.data };
      } finally {
        bitmap.close();
      }
    },

    async decodeEach(jpegs, use, signal) {
      // WebCodecs' planes, converted one at a time into the kernel's memory and used there
      const frames = await Promise.allSettled(
        jpegs.map((j) => (j && webCodecs ? webCodecs.decodeFrame(j, signal) : Promise.resolve(null))),
      );
      const decoded = frames.map((f) => (f.status === 'fulfilled' ? f.value : null));
      try {
        if (signal?.aborted) throw abortError(signal);
        // the rest (a decode error, a format the kernel does not take) as whole images, which also
        // gives a broken tile its own error
        const whole = await Promise.all(
          jpegs.map((j, i) => (j && !decoded[i] ? decoder.decode(j, signal) : null)),
        );
        for (let i = 0; i < jpegs.length; i++) {
          const d = decoded[i];
          if (d) {
            const { width, height } = d.frame;
            use(i, { width, height, data: frameToRgbaView(d.frame) });
            webCodecsCounts.decoded++;
          } else if (whole[i]) use(i, whole[i]!);
        }
      } finally {
        for (const d of decoded) d?.release();
      }
    },
  };
  return decoder;
}
