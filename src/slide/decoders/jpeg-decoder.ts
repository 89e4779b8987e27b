// The pluggable JPEG decoder seam: browsers/workers use jpeg-native.ts, Node uses jpeg-sharp.ts.

import type { RgbaImage } from '../slide-types';

export interface JpegDecoder {
  readonly name: string;
  /** Decodes one complete JPEG stream (tables already spliced in) to opaque RGBA. */
  decode(jpeg: Uint8Array, signal?: AbortSignal): Promise<RgbaImage>;
  /**
   * Decodes several streams (all at once) and hands each one's opaque RGBA to `use`, one call at
   * a time, in order; null streams are skipped. The pixels may be a view that is only valid during
   * its call (the next image overwrites it): a caller that consumes them at once, as the 2×2 box
   * kernel of a synthetic tile does, saves a tile-sized copy per image. Optional: without it,
   * callers decode one by one.
   */
  decodeEach?(
    jpegs: readonly (Uint8Array | null)[],
    use: (index: number, image: RgbaImage) => void,
    signal?: AbortSignal,
  ): Promise<void>;
}
