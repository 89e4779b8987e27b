// What every slide reader offers beyond SlideSource: stats and the viewer's JPEG fast paths.

import type { SlideSource, TileRequest } from './slide-types';
import type { TileCacheStats } from './tile-cache';

export interface SlideStats extends TileCacheStats {
  /** bytes of raw file blocks cached for directory reads */
  blockBytes: number;
  /** requests made to the byte source for blocks */
  blockRequests: number;
  /** tile payload bytes read from the source */
  bytesRead: number;
  /** HTTP range requests sent so far (URLs only; fewer than the reads when reads were coalesced) */
  rangeRequests?: number;
  /** JPEG tiles decoded through WebCodecs planes and the exact colour kernel (slide worker only) */
  webCodecsTiles?: number;
  /** LZW tiles decoded in geotiff's worker pool (slide worker only) */
  poolTiles?: number;
  /** home-view tiles decoded before the viewer asked (slide worker, WorkerOpenOptions.prefetchView) */
  prefetchedTiles?: number;
  /** slide worker: the open was started from index.html before the app's code loaded (early-open.ts) */
  earlyOpen?: boolean;
  /** slide worker: opens it ran (an adopted early open is one) */
  opens?: number;
  /**
   * slide worker: wall-clock ms (epoch, as the page's `performance.timeOrigin + performance.now()`)
   * of the worker's start, its script's run, the open's end and its home view's tiles all read
   * ahead (null until then, or without a read-ahead): where a deep link's first view spends its time
   */
  timeline?: SlideTimeline;
}

/** The slide worker's milestones (SlideStats.timeline), wall-clock ms. */
export interface SlideTimeline {
  workerStartedAt: number;
  scriptRunAt: number;
  openedAt: number | null;
  readAheadDoneAt: number | null;
}

export interface SlideReader extends SlideSource {
  stats(): SlideStats;
  /** see PyramidSlide.jpegTileStream */
  jpegTileStream?(request: TileRequest): Promise<JpegTileStream | null>;
  /** see PyramidSlide.jpegTileParts */
  jpegTileParts?(request: TileRequest): JpegTileParts | null;
  /** counts a decode done outside the reader (the worker's bitmap fast path) */
  noteDecode?(ms: number): void;
}

/** A native JPEG tile's complete stream; the size is the tile's part within its level. */
export interface JpegTileStream {
  stream: Uint8Array;
  width: number;
  height: number;
}

/** A native JPEG tile as Blob parts: the stream prefix and the tile's bytes, still in the file. */
export interface JpegTileParts {
  parts: BlobPart[];
  width: number;
  height: number;
}
