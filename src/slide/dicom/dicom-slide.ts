// A DICOM slide: the shared PyramidSlide over its levels, plus its label, overview and thumbnail
// images (kept out of the pyramid), each read like a one-level slide of its own frames and
// scaled down to fit the size asked for (the info panel's thumbnails).

import type { ByteSource } from '../byte-source';
import { PyramidSlide, type PyramidSlideParts, tileCounters } from '../pyramid-slide';
import { SlideError } from '../slide-error';
import { planLevels } from '../slide-levels';
import type { AssociatedRequest, RgbaImage } from '../slide-types';
import { TileCache } from '../tile-cache';
import type { CodecEnv } from './dicom-codec';
import { DicomTileLevel, type FrameSource } from './dicom-level';
import type { DicomPyramid } from './dicom-series';

/** decoded tiles kept per associated image (they are read once or twice) */
const ASSOCIATED_CACHE_BYTES = 16 << 20;

export class DicomSlide extends PyramidSlide {
  private readonly images = new Map<number, PyramidSlide>();
  private readonly limits: PyramidSlideParts['limits'];

  constructor(
    parts: PyramidSlideParts,
    private readonly pyramid: DicomPyramid,
    private readonly frames: FrameSource,
    private readonly env: CodecEnv,
  ) {
    super(parts);
    this.limits = parts.limits;
  }

  async readAssociated({ index, maxSize, signal }: AssociatedRequest): Promise<RgbaImage> {
    const a = this.pyramid.associated[index];
    if (!a) {
      throw new SlideError(
        'bad-request',
        `This slide has ${this.pyramid.associated.length} associated images; there is no image ${index}.`,
      );
    }
    if (!(Number.isFinite(maxSize) && maxSize >= 1)) {
      throw new SlideError(
        'bad-request',
        `An associated image's size must be at least 1 px, not ${maxSize}.`,
      );
    }
    const ds = Math.max(1, a.width / maxSize, a.height / maxSize);
    const width = Math.max(1, Math.min(Math.round(a.width / ds), Math.floor(maxSize)));
    const height = Math.max(1, Math.min(Math.round(a.height / ds), Math.floor(maxSize)));
    return this.image(index).readRegion({ x: 0, y: 0, width, height, downsample: ds, signal });
  }

  private image(index: number): PyramidSlide {
    let img = this.images.get(index);
    if (img) return img;
    const a = this.pyramid.associated[index];
    const cache = new TileCache(ASSOCIATED_CACHE_BYTES);
    const counters = tileCounters(cache);
    const level = new DicomTileLevel(a.plan, this.pyramid.formats, this.frames, this.env, counters);
    const plans = planLevels([level]);
    // its frames' source is the slide's, closed with the slide
    const source: ByteSource = {
      name: a.kind,
      size: null,
      read: () => Promise.reject(new Error('unused')),
      close() {},
    };
    img = new PyramidSlide({
      metadata: { ...this.metadata, width: a.width, height: a.height, associated: [] },
      plans,
      levels: [level],
      source,
      cache,
      counters,
      limits: this.limits,
    });
    this.images.set(index, img);
    return img;
  }

  override close(): void {
    for (const img of this.images.values()) img.close();
    this.images.clear();
    super.close();
  }
}
