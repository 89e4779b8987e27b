// OpenSeadragon tile source whose tiles are rendered on the fly from a value field (a probability
// store, a difference of two, a ground-truth mask): nothing is fetched.
//
// Usage:
//   const src = new HeatmapTileSource({ width, height, render: (region) => rgba, generation: 3 });
//   osd.addTiledImage({ tileSource: src, x: 0, y: 0, width: slideItem.getBounds().width });
//
// Levels are powers of two (OSD's default), finest = level-0 pixels; tile geometry in heatmap-tiles.ts.

import OpenSeadragon from 'openseadragon';
import type { TileRegion } from '../heatmap/tile-renderer';
import type { RgbaImage } from '../slide/slide-types';
import { errorMessage } from '../util/error-message';
import { HEATMAP_TILE_SIZE, heatmapMaxLevel, heatmapTileRegion } from './heatmap-tiles';

export interface HeatmapTileSourceOptions {
  width: number;
  height: number;
  render(region: TileRegion): RgbaImage;
  /** part of the tiles' cache keys: a new generation never reuses an old tile */
  generation: number;
}

interface Coord {
  level: number;
  x: number;
  y: number;
}

let nextId = 1;

export class HeatmapTileSource extends OpenSeadragon.TileSource {
  private readonly opts!: HeatmapTileSourceOptions;
  private readonly id = nextId++;

  constructor(opts: HeatmapTileSourceOptions) {
    super({
      width: opts.width,
      height: opts.height,
      tileSize: HEATMAP_TILE_SIZE,
      tileOverlap: 0,
      minLevel: 0,
      maxLevel: heatmapMaxLevel(opts.width, opts.height),
      ready: true,
    });
    this.opts = opts;
  }

  override getTileUrl(level: number, x: number, y: number): string {
    return `mrn-heatmap://${this.id}/${this.opts.generation}/${level}/${x}_${y}`;
  }

  override getTilePostData(level: number, x: number, y: number): Coord {
    return { level, x, y };
  }

  override hasTransparency(): boolean {
    return true;
  }

  override downloadTileStart(job: OpenSeadragon.ImageJob): void {
    const { level, x, y } = job.postData as unknown as Coord;
    try {
      const region = heatmapTileRegion(level, x, y, this.maxLevel, this.opts.width, this.opts.height);
      const rgba = this.opts.render(region);
      const data = new Uint8ClampedArray(
        rgba.data.buffer as ArrayBuffer,
        rgba.data.byteOffset,
        rgba.data.length,
      );
      // premultiplied, as both OSD drawers composite (source-over; WebGL blends ONE, 1 − SRC_ALPHA):
      // a straight-alpha bitmap comes out of the WebGL drawer too bright
      createImageBitmap(new ImageData(data, rgba.width, rgba.height), {
        premultiplyAlpha: 'premultiply',
      }).then(
        (bitmap) => {
          if (job.jobId) job.finish(bitmap, null, 'imageBitmap');
          else bitmap.close();
        },
        (e) => job.jobId && job.fail(errorMessage(e), null),
      );
    } catch (e) {
      job.fail(errorMessage(e), null);
    }
  }

  override downloadTileAbort(): void {
    // rendering is synchronous; nothing to stop
  }
}
