// Opens a parsed Hamamatsu NDPI: reads each level's JPEG header (up to its first scan), builds
// the levels as virtual tiles (ndpi-level.ts) and hands them to PyramidSlide.

import { LRUCache } from 'lru-cache';
import type { BlockCache } from './block-cache';
import type { ByteSource } from './byte-source';
import type { JpegDecoder } from './decoders/jpeg-decoder';
import { parseJpegFrame } from './ndpi-jpeg';
import { NdpiLevel } from './ndpi-level';
import { describeNdpi } from './ndpi-structure';
import { PyramidSlide, tileCounters } from './pyramid-slide';
import { SlideError } from './slide-error';
import { planLevels, slideLevels } from './slide-levels';
import type { SlideLimits } from './slide-limits';
import type { RgbaImage, SlideMetadata } from './slide-types';
import type { TiffFile } from './tiff-parser';
import { TileCache } from './tile-cache';

/** a JPEG header (tables, frame, scan header) longer than this is not a real one */
const MAX_JPEG_HEADER = 1 << 20;

export interface OpenNdpiContext {
  tiff: TiffFile;
  source: ByteSource;
  blocks: BlockCache;
  name: string;
  limits: SlideLimits;
  jpeg: JpegDecoder;
  signal?: AbortSignal;
}

export async function openNdpi({
  tiff,
  source,
  blocks,
  name,
  limits,
  jpeg,
  signal,
}: OpenNdpiContext): Promise<PyramidSlide> {
  const structure = describeNdpi(tiff, name, limits, source.size);
  const cache = new TileCache(limits.tileCacheBytes);
  const counters = tileCounters(cache);
  const bands = new LRUCache<string, RgbaImage>({
    maxSize: Math.max(1, limits.maxStripCacheBytes),
    sizeCalculation: (img) => Math.max(1, img.data.byteLength),
  });
  const levels: NdpiLevel[] = [];
  for (const [index, info] of structure.levels.entries()) {
    const what = `${name} (Hamamatsu NDPI, level ${index})`;
    const headerLength = Math.min(info.length, info.mcuStarts?.[0] ?? 64 * 1024);
    if (headerLength > MAX_JPEG_HEADER) {
      throw new SlideError('corrupt', `${what} is damaged: its JPEG header claims ${headerLength} bytes.`);
    }
    const head = await blocks.read(info.offset, headerLength, signal);
    const frame = parseJpegFrame(head.slice(), what);
    if (info.mcuStarts && frame.header.byteLength !== info.mcuStarts[0]) {
      throw new SlideError(
        'corrupt',
        `${what} is damaged: its first McuStarts entry (${info.mcuStarts[0]}) is not where its JPEG scan begins (${frame.header.byteLength}).`,
      );
    }
    levels.push(new NdpiLevel({ info, frame, index, source, jpeg, limits, counters, bands, name }));
  }
  const plans = planLevels(levels);
  const base = structure.levels[0];
  const metadata: SlideMetadata = {
    name,
    format: 'hamamatsu-ndpi',
    bigTiff: false,
    vendor: 'hamamatsu',
    width: base.width,
    height: base.height,
    levels: slideLevels(plans),
    mpp: structure.mpp,
    mppSource: structure.mpp === null ? null : 'tiff-resolution',
    objective: structure.objective,
    compression: 'JPEG',
    byteLength: source.size,
    associated: structure.associated,
  };
  return new PyramidSlide({
    metadata,
    plans,
    levels,
    source,
    cache,
    counters,
    limits,
    blocks: {
      get bytes() {
        return blocks.bytes;
      },
      get requests() {
        return blocks.requests;
      },
      clear() {
        blocks.clear();
        bands.clear();
      },
    },
    // a synthetic level over a level served in restart segments is boxed from the decoder's views
    // (PyramidSlide.synthesiseFromJpegViews), as over a tiled TIFF's JPEG level
    jpeg,
  });
}
