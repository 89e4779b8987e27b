// Uncompressed BMP (BI_RGB 24/32-bit, BI_BITFIELDS 32-bit with the usual masks) to RGBA. Browsers
// decode BMP too; this one is the same in Node, where sharp has no BMP reader.

import { SlideError } from '../slide-error';
import type { RgbaImage } from '../slide-types';

export function decodeBmp(b: Uint8Array, name: string): RgbaImage {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.byteLength < 54) throw new SlideError('truncated', `The BMP image ${name} is cut short.`);
  const dataOffset = dv.getUint32(10, true);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const height = Math.abs(rawHeight);
  const bits = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  if (!((bits === 24 && compression === 0) || (bits === 32 && (compression === 0 || compression === 3)))) {
    throw new SlideError(
      'unsupported-pixels',
      `${name} is a ${bits}-bit BMP (compression ${compression}); only uncompressed 24- and 32-bit BMP images are supported. Save it as PNG.`,
    );
  }
  const bpp = bits / 8;
  const stride = Math.ceil((width * bpp) / 4) * 4;
  if (dataOffset + stride * height > b.byteLength) {
    throw new SlideError('truncated', `The BMP image ${name} is cut short: its pixels lie beyond its end.`);
  }
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const s = row + x * bpp;
      const o = (y * width + x) * 4;
      out[o] = b[s + 2];
      out[o + 1] = b[s + 1];
      out[o + 2] = b[s];
      out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}
