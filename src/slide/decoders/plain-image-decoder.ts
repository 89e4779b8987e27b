// Decodes a whole plain image (PNG, JPEG, BMP, WebP) to RGBA. In browsers and workers the
// platform decoder does it with colour management off; in Node, node/plain-image-node.ts does
// (fast-png for PNG: the same pixels as the browser's, both exact for 8-bit PNG; sharp for JPEG
// and WebP). BMP is ours everywhere. Transparent pixels are composited over white.

import { PLAIN_IMAGE_LABEL, PLAIN_IMAGE_MIME, type PlainImageKind } from '../plain-image-probe';
import { abortError, SlideError } from '../slide-error';
import type { RgbaImage } from '../slide-types';
import { decodeBmp } from './bmp-decoder';

export type PlainImageDecoder = (
  bytes: Uint8Array,
  kind: PlainImageKind,
  name: string,
  signal?: AbortSignal,
) => Promise<RgbaImage>;

/** A decoder from the platform's: BMP ours, the rest `platform`'s; failures become SlideErrors. */
export function plainImageDecoder(
  platform: (bytes: Uint8Array, kind: PlainImageKind) => Promise<RgbaImage>,
): PlainImageDecoder {
  return async (bytes, kind, name, signal) => {
    if (signal?.aborted) throw abortError(signal);
    try {
      if (kind === 'bmp') return decodeBmp(bytes, name);
      return await platform(bytes, kind);
    } catch (e) {
      if ((e as Error)?.name === 'SlideError') throw e;
      throw new SlideError(
        'decode-failed',
        `The ${PLAIN_IMAGE_LABEL[kind]} image ${name} could not be decoded: ${(e as Error).message}.`,
        { cause: e },
      );
    }
  };
}

export const decodePlainImageInBrowser = plainImageDecoder(decodeInBrowser);

async function decodeInBrowser(bytes: Uint8Array, kind: PlainImageKind): Promise<RgbaImage> {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: PLAIN_IMAGE_MIME[kind] });
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser cannot read pixels back from a canvas');
    // transparent pixels over white, like the rest of the slide background
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    return { width, height, data: ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data };
  } finally {
    bitmap.close();
  }
}
