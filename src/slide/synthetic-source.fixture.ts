// Test support (not shipped): an in-memory SlideSource over a generated level-0 image, with an
// independent, deliberately plain readRegion (integer downsample and origin only: box average),
// and counters for the cache tests.

import type { RegionRequest, RgbaImage, SlideMetadata, SlideSource } from './slide-types';

export interface SyntheticSource extends SlideSource {
  reads: RegionRequest[];
  readPixels: number;
  /** level-0 RGBA */
  pixels: Uint8ClampedArray;
}

/** `paint(x, y)` returns [r, g, b] for level-0 pixel (x, y). */
export function syntheticSource(
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number],
  options: { mpp?: number; delayMs?: number } = {},
): SyntheticSource {
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      pixels.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  const levels = [1, 4, 16].map((ds) => ({
    width: Math.ceil(width / ds),
    height: Math.ceil(height / ds),
    tileWidth: 256,
    tileHeight: 256,
    downsample: ds,
    synthetic: ds > 1,
  }));
  const metadata: SlideMetadata = {
    name: 'synthetic',
    format: 'generic-tiff',
    bigTiff: false,
    vendor: null,
    width,
    height,
    levels,
    mpp: options.mpp ?? 0.5,
    mppSource: 'user',
    objective: null,
    compression: 'none',
    byteLength: null,
  };
  const source: SyntheticSource = {
    metadata,
    reads: [],
    readPixels: 0,
    pixels,
    async getTile() {
      throw new Error('not used');
    },
    async readRegion(req) {
      const { x, y, width: w, height: h, downsample: ds } = req;
      if (![x, y, ds].every(Number.isInteger))
        throw new Error(`fixture needs integer geometry: ${JSON.stringify(req)}`);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      req.signal?.throwIfAborted();
      source.reads.push(req);
      source.readPixels += w * h;
      const out = new Uint8ClampedArray(w * h * 4);
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++) {
          const acc = [0, 0, 0];
          for (let v = 0; v < ds; v++) {
            for (let u = 0; u < ds; u++) {
              const sx = x + i * ds + u;
              const sy = y + j * ds + v;
              if (sx < 0 || sy < 0 || sx >= width || sy >= height) {
                acc[0] += 255;
                acc[1] += 255;
                acc[2] += 255;
              } else {
                const k = (sy * width + sx) * 4;
                acc[0] += pixels[k];
                acc[1] += pixels[k + 1];
                acc[2] += pixels[k + 2];
              }
            }
          }
          const n = ds * ds;
          out.set(
            [Math.round(acc[0] / n), Math.round(acc[1] / n), Math.round(acc[2] / n), 255],
            (j * w + i) * 4,
          );
        }
      }
      return { width: w, height: h, data: out } satisfies RgbaImage;
    },
    close() {},
  };
  return source;
}
