// Safety limits for reading untrusted files. Every violation becomes a SlideError.

export interface SlideLimits {
  /** most IFDs (main chain plus SubIFDs) parsed before giving up */
  maxIfds: number;
  /** most entries in one IFD */
  maxTagsPerIfd: number;
  /** most values in one tag (e.g. TileOffsets of a huge slide) */
  maxTagValueCount: number;
  /** largest width or height of any image, in pixels */
  maxDimension: number;
  /** largest decoded tile (width × height × 4) in bytes */
  maxTileBytes: number;
  /** largest compressed tile read from the source, in bytes */
  maxCompressedTileBytes: number;
  /** largest readRegion output (width × height × 4) in bytes */
  maxRegionBytes: number;
  /** deadline for one read from the byte source, ms */
  readTimeoutMs: number;
  /** a server that ignores Range is downloaded whole only up to this many bytes */
  fullDownloadCapBytes: number;
  /** retries of a failed network read (transient errors only) */
  maxRetries: number;
  /** bytes of raw file blocks kept in memory */
  blockCacheBytes: number;
  /**
   * bytes at the end of a remote TIFF read with the header, in one request (0: none): writers put
   * each directory after the image data it describes, so the last ones, which the open walks to one
   * by one, lie there
   */
  directoryTailBytes: number;
  /** bytes of decoded RGBA tiles kept in memory */
  tileCacheBytes: number;
  /** largest plain image (PNG, JPEG, BMP, WebP), in pixels: such images are decoded whole */
  maxPlainImagePixels: number;
  /** bytes of decoded strips of a striped TIFF kept in memory; one strip must fit */
  maxStripCacheBytes: number;
  /** most bytes of an NDPI level's JPEG scanned for restart markers when it lists no McuStarts */
  maxRestartScanBytes: number;
}

export const DEFAULT_LIMITS: Readonly<SlideLimits> = Object.freeze({
  maxIfds: 512,
  maxTagsPerIfd: 1024,
  maxTagValueCount: 1 << 24,
  maxDimension: 1 << 21,
  maxTileBytes: 64 << 20,
  maxCompressedTileBytes: 64 << 20,
  maxRegionBytes: 256 << 20,
  readTimeoutMs: 30_000,
  fullDownloadCapBytes: 256 << 20,
  maxRetries: 3,
  blockCacheBytes: 32 << 20,
  directoryTailBytes: 512 << 10,
  tileCacheBytes: 256 << 20,
  maxPlainImagePixels: 1 << 26,
  maxStripCacheBytes: 64 << 20,
  maxRestartScanBytes: 512 << 20,
});

export function resolveLimits(partial?: Partial<SlideLimits>): SlideLimits {
  return { ...DEFAULT_LIMITS, ...partial };
}
