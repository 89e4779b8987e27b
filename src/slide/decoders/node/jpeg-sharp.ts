// JPEG decoding in Node (tests, scripts) through sharp/libjpeg-turbo. sharp is imported
// dynamically so that browser bundles never see it. sharpToRgba is also plain-image-node's
// JPEG/WebP path.

import { abortError, SlideError } from '../../slide-error';
import type { RgbaImage } from '../../slide-types';
import type { JpegDecoder } from '../jpeg-decoder';

type SharpFn = typeof import('sharp').default;
let sharpPromise: Promise<SharpFn> | null = null;

function loadSharp(): Promise<SharpFn> {
  // The variable specifier keeps bundlers from following this import into browser builds.
  const spec = 'sharp';
  sharpPromise ??= import(/* @vite-ignore */ spec).then((m: { default: SharpFn }) => m.default);
  return sharpPromise;
}

/** Any image sharp reads, as RGBA (`flatten`: transparent pixels over white, as in the browser). */
export async function sharpToRgba(
  bytes: Uint8Array,
  options: { flatten?: boolean } = {},
): Promise<RgbaImage> {
  const sharp = await loadSharp();
  let image = sharp(bytes, { failOn: 'none' });
  if (options.flatten) image = image.flatten({ background: '#ffffff' });
  const { data, info } = await image
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function createSharpJpegDecoder(): JpegDecoder {
  return {
    name: 'sharp',
    async decode(jpeg: Uint8Array, signal?: AbortSignal): Promise<RgbaImage> {
      if (signal?.aborted) throw abortError(signal);
      await loadSharp(); // a missing sharp is not a bad tile
      try {
        return await sharpToRgba(jpeg);
      } catch (e) {
        throw new SlideError('decode-failed', `A JPEG tile could not be decoded: ${(e as Error).message}.`, {
          cause: e,
        });
      }
    },
  };
}
