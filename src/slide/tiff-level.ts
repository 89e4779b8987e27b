// What both kinds of TIFF level share: the level's IFD, the file, the decoders, the limits and
// the slide's counters. Tiled levels (tiff-slide.ts) and striped ones (tiff-strip-level.ts)
// extend it and add how (x, y) becomes bytes.

import type { ByteSource } from './byte-source';
import type { DecoderEnv, TileFormat } from './decoders/decoder-registry';
import type { TileCounters } from './level-tiles';
import type { SlideLimits } from './slide-limits';
import type { NativeLevel } from './slide-structure';

export abstract class TiffLevel {
  readonly width: number;
  readonly height: number;

  constructor(
    protected readonly lv: NativeLevel,
    protected readonly source: ByteSource,
    protected readonly env: DecoderEnv,
    protected readonly limits: SlideLimits,
    protected readonly counters: TileCounters,
    protected readonly name: string,
  ) {
    this.width = lv.width;
    this.height = lv.height;
  }
}

/** The decoder's view of a level: its compression, tile size, samples and tables. */
export function tileFormat(lv: NativeLevel): TileFormat {
  return {
    compression: lv.compression,
    tileWidth: lv.tileWidth,
    tileHeight: lv.tileHeight,
    samplesPerPixel: lv.samplesPerPixel,
    photometric: lv.photometric,
    predictor: lv.predictor,
    jpegTables: lv.jpegTables,
  };
}
