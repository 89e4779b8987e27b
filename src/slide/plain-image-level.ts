// A plain image (PNG, JPEG, BMP, WebP) as the one native level of a slide: decoded whole on the
// first tile (such files cannot be read piece by piece), then cut into 512² tiles. Coarser levels
// are PyramidSlide's synthetic ones. The size is checked against maxPlainImagePixels first.

import type { ByteSource } from './byte-source';
import type { PlainImageDecoder } from './decoders/plain-image-decoder';
import type { LevelTiles, TileCounters } from './level-tiles';
import { PLAIN_IMAGE_LABEL, type PlainImageHeader } from './plain-image-probe';
import { SlideError } from './slide-error';
import type { SlideLimits } from './slide-limits';
import type { RgbaImage } from './slide-types';

export const PLAIN_TILE = 512;

/** Refuses an image the viewer cannot decode at once, naming the limit. */
export function checkPlainImageSize(h: PlainImageHeader, name: string, limits: SlideLimits): void {
  const px = h.width * h.height;
  if (px > limits.maxPlainImagePixels || h.width > limits.maxDimension || h.height > limits.maxDimension) {
    const mp = (n: number) => `${Math.round(n / 1e5) / 10} megapixels`;
    throw new SlideError(
      'allocation-limit',
      `${name} is a ${h.width}×${h.height} ${PLAIN_IMAGE_LABEL[h.kind]} image (${mp(px)}). A plain image is decoded whole, and the most this viewer decodes at once is ${mp(limits.maxPlainImagePixels)} (${Math.round((limits.maxPlainImagePixels * 4) / 2 ** 20)} MB of pixels). Convert it to a tiled pyramidal TIFF (vips tiffsave --tile --pyramid).`,
    );
  }
}

export class PlainImageLevel implements LevelTiles {
  readonly width: number;
  readonly height: number;
  readonly tileWidth = PLAIN_TILE;
  readonly tileHeight = PLAIN_TILE;
  private image: Promise<RgbaImage> | null = null;

  constructor(
    private readonly header: PlainImageHeader,
    private readonly source: ByteSource,
    private readonly decode: PlainImageDecoder,
    private readonly counters: TileCounters,
    private readonly name: string,
  ) {
    this.width = header.width;
    this.height = header.height;
  }

  async decodeTile(x: number, y: number, signal: AbortSignal): Promise<RgbaImage> {
    const img = await this.whole(signal);
    const t = PLAIN_TILE;
    const out = new Uint8ClampedArray(t * t * 4).fill(255);
    const w = Math.min(t, img.width - x * t);
    const h = Math.min(t, img.height - y * t);
    for (let j = 0; j < h; j++) {
      const s = ((y * t + j) * img.width + x * t) * 4;
      out.set(img.data.subarray(s, s + w * 4), j * t * 4);
    }
    return { width: t, height: t, data: out };
  }

  /** The decoded image, shared by every tile; a failed or aborted decode is tried again later. */
  private whole(signal: AbortSignal): Promise<RgbaImage> {
    if (!this.image) {
      const p = this.load(signal);
      this.image = p;
      p.catch(() => {
        if (this.image === p) this.image = null;
      });
    }
    return this.image;
  }

  private async load(signal: AbortSignal): Promise<RgbaImage> {
    const size = this.source.size ?? 0;
    const bytes = await this.source.read(0, size, signal);
    this.counters.bytesRead += bytes.byteLength;
    const t0 = performance.now();
    const img = await this.decode(bytes, this.header.kind, this.name, signal);
    this.counters.noteDecode(performance.now() - t0);
    if (img.width !== this.width || img.height !== this.height) {
      throw new SlideError(
        'corrupt',
        `${this.name} is damaged: its header says ${this.width}×${this.height} pixels but it decodes to ${img.width}×${img.height}.`,
      );
    }
    return img;
  }
}
