// What the viewer needs from an opened slide: the worker client (src/slide/slide-client.ts) fits this
// shape. Kept separate so the viewer can be driven by any reader (tests, benchmarks).

import type {
  AssociatedRequest,
  RegionRequest,
  RgbaImage,
  SlideMetadata,
  TileRequest,
} from '../slide/slide-types';

export interface ViewerSlide {
  readonly metadata: SlideMetadata;
  /** one tile of a reader level; edge tiles may be cropped or padded (the viewer crops) */
  getTile(request: TileRequest): Promise<ImageBitmap | RgbaImage>;
  readRegion(request: RegionRequest): Promise<RgbaImage>;
  /** metadata.associated[index] scaled to fit maxSize² (readers that have such images) */
  readAssociated?(request: AssociatedRequest): Promise<RgbaImage>;
  /** reader-side counters (caches, bytes read); shape is the reader's */
  stats?(): unknown;
  close(): void;
}

/** a URL, one file, or several files of one slide (DICOM) */
export type SlideInput = File | Blob | Blob[] | string;

export type SlideOpener = (input: SlideInput, signal: AbortSignal) => Promise<ViewerSlide>;

export function errorCode(e: unknown): string | null {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return null;
}
