// Shared helpers for the slide layer's tests (Node only).

import { openAsBlob } from 'node:fs';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { createSharpJpegDecoder } from './decoders/node/jpeg-sharp';
import { fileSidecar } from './node/sidecar-file';
import { type OpenSlideOptions, openSlide } from './open-slide';
import type { SlideReader } from './slide-reader';
import type { RgbaImage } from './slide-types';

export const SVS = sharedPath('cmuSvs');
export const CAMELYON = sharedPath('camelyonLevel5');
/** Both real slides are there; `what` names the tests that skip otherwise (reported once). */
export const haveShared = (what: string) => sharedAvailable(what, 'cmuSvs', 'camelyonLevel5');

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
