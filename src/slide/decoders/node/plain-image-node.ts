// Node: whole plain images to RGBA, fast-png for PNG and sharp for JPEG and WebP. Both load
// lazily (sharp through a hidden specifier), so a browser bundle that reaches open-slide never
// includes them. See ../plain-image-decoder.ts.

import type { PlainImageKind } from '../../plain-image-probe';
import type { RgbaImage } from '../../slide-types';
import { plainImageDecoder } from '../plain-image-decoder';
import { sharpToRgba } from './jpeg-sharp';

export const decodePlainImageNode = plainImageDecoder((bytes: Uint8Array, kind: PlainImageKind) =>
  kind === 'png' ? decodePngNode(bytes) : sharpToRgba(bytes, { flatten: true }),
);

const FAST_PNG = 'fast-png';

async function decodePngNode(bytes: Uint8Array): Promise<RgbaImage> {
  const png = await import(/* @vite-ignore */ FAST_PNG);
  const img = png.decode(bytes);
  const { width, height } = img;
  let data = img.data;
  let channels = img.channels;
  if (img.palette) {
    data = png.convertIndexedToRgb(img);
    channels = img.palette[0]?.length ?? 3;
  }
  const shift = img.depth === 16 ? 8 : 0;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const grey = channels < 3;
    const r = data[s] >> shift;
    const g = grey ? r : data[s + 1] >> shift;
    const b = grey ? r : data[s + 2] >> shift;
    const a = channels === 2 || channels === 4 ? data[s + channels - 1] >> shift : 255;
    // over white, as in the browser path
    out[i * 4] = r + ((255 - r) * (255 - a)) / 255;
    out[i * 4 + 1] = g + ((255 - g) * (255 - a)) / 255;
    out[i * 4 + 2] = b + ((255 - b) * (255 - a)) / 255;
    out[i * 4 + 3] = 255;
  }
  return { width, height, data: out };
}
