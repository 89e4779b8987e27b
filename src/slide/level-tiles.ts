// The seam where a slide format plugs in. A format's reader parses its file into native levels,
// each a LevelTiles that turns (x, y) into pixels; PyramidSlide (pyramid-slide.ts) adds everything
// else: synthetic coarser levels, readRegion, the decoded-tile cache, limits and the viewer's JPEG
// fast paths. open-slide.ts picks the format and builds the levels.

import type { RgbaImage } from './slide-types';

/** Counters a level updates as it reads and decodes (they end up in SlideStats). */
export interface TileCounters {
  /** tile payload bytes read from the source */
  bytesRead: number;
  /** records one tile decoded, taking `ms` */
  noteDecode(ms: number): void;
}

export interface LevelTiles {
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  /**
   * RGBA of tile (x, y), exactly tileWidth × tileHeight (edge tiles padded white); null for a
   * tile the file leaves out, which is drawn as background. x, y are checked by the caller.
   */
  decodeTile(x: number, y: number, signal: AbortSignal): Promise<RgbaImage | null>;
  /**
   * The tile as one complete JPEG stream for the viewer's bitmap fast path (decoded padded to the
   * tile size at most), or null where decodeTile must serve. Levels that are not JPEG leave it out.
   */
  jpegStream?(x: number, y: number, signal?: AbortSignal): Promise<Uint8Array | null>;
  /** jpegStream as Blob parts still in the file (zero-copy, local files); null where it cannot. */
  jpegParts?(x: number, y: number): BlobPart[] | null;
}
