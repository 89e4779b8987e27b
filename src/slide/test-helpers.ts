// Shared helpers for the slide layer's tests (Node only).

import { existsSync, openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { createSharpJpegDecoder } from './decoders/node/jpeg-sharp';
import { fileSidecar } from './node/sidecar-file';
import { type OpenSlideOptions, openSlide } from './open-slide';
import type { SlideReader } from './slide-reader';
import type { RgbaImage } from './slide-types';

export const SHARED_SLIDES = join(process.cwd(), '..', 'shared', 'slides');
export const SVS = join(SHARED_SLIDES, 'cmu-1-small-region.svs');
export const CAMELYON = join(SHARED_SLIDES, 'camelyon16-tumor001-level5.tif');
export const haveShared = existsSync(SVS) && existsSync(CAMELYON);

export const sharpJpeg = createSharpJpegDecoder();

export function openBytes(
  bytes: Uint8Array,
  name: string,
  options: OpenSlideOptions = {},
): Promise<SlideReader> {
  return openSlide(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
    name,
    jpegDecoder: sharpJpeg,
    ...options,
  });
}

export async function openPath(path: string, options: OpenSlideOptions = {}): Promise<SlideReader> {
  return openSlide(await openAsBlob(path), {
    name: path.split('/').pop(),
    jpegDecoder: sharpJpeg,
    sidecar: fileSidecar(path),
    ...options,
  });
}

export function pixel(img: RgbaImage, x: number, y: number): [number, number, number] {
  const o = (y * img.width + x) * 4;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}
