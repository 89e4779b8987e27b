// The reading seam shared by the viewer, the analysis code and the training tools.
// Coordinates are level-0 pixels unless a name says otherwise.

export type SlideFormat =
  | 'generic-tiff'
  | 'aperio-svs'
  | 'ome-tiff'
  | 'striped-tiff'
  | 'hamamatsu-ndpi'
  | 'philips-tiff'
  | 'plain-image'
  | 'dicom';

/** where mpp came from: 'sidecar' is a `<name>.json` beside the file ({"mpp": 0.62}) */
export type MppSource = 'tiff-resolution' | 'aperio' | 'ome' | 'philips' | 'sidecar' | 'dicom' | 'user';

export interface SlideLevel {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  /** level-0 pixels per pixel of this level (x direction) */
  downsample: number;
  /** true when the level is built on the fly from a finer one */
  synthetic: boolean;
}

/** A level cut into tiles: its size, its tiles' size and how many tiles across and down. */
export interface TileGrid {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  tilesAcross: number;
  tilesDown: number;
}

export interface SlideMetadata {
  name: string;
  format: SlideFormat;
  bigTiff: boolean;
  vendor: string | null;
  width: number;
  height: number;
  levels: SlideLevel[];
  /** µm per level-0 pixel; null when the file does not say */
  mpp: number | null;
  mppSource: MppSource | null;
  objective: number | null;
  compression: string;
  byteLength: number | null;
  /** label, overview, thumbnail, macro and map images kept out of the pyramid (DICOM, NDPI) */
  associated?: {
    kind: 'label' | 'overview' | 'thumbnail' | 'macro' | 'map';
    width: number;
    height: number;
  }[];
}

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, row-major, 4 bytes per pixel */
  data: Uint8ClampedArray;
}

export interface TileRequest {
  level: number;
  x: number;
  y: number;
  signal?: AbortSignal;
}

/**
 * A region of the slide sampled on a regular grid.
 * Output pixel (i, j) covers level-0 [x + i·downsample, x + (i+1)·downsample) and likewise in y.
 * Pixels outside the slide are white (slide background).
 */
export interface RegionRequest {
  x: number;
  y: number;
  width: number;
  height: number;
  downsample: number;
  signal?: AbortSignal;
}

/** One of metadata.associated (label, overview, thumbnail), scaled to fit maxSize² (never up). */
export interface AssociatedRequest {
  index: number;
  maxSize: number;
  signal?: AbortSignal;
}

export interface SlideSource {
  readonly metadata: SlideMetadata;
  getTile(request: TileRequest): Promise<RgbaImage>;
  readRegion(request: RegionRequest): Promise<RgbaImage>;
  /** where metadata.associated is not empty */
  readAssociated?(request: AssociatedRequest): Promise<RgbaImage>;
  close(): void;
}
