// The pluggable JPEG decoder seam: browsers/workers use jpeg-native.ts, Node uses jpeg-sharp.ts.

import type { RgbaImage } from '../slide-types';

export interface JpegDecoder {
  readonly name: string;
  /** Decodes one complete JPEG stream (tables already spliced in) to RGBA. */
  decode(jpeg: Uint8Array, signal?: AbortSignal): Promise<RgbaImage>;
}
