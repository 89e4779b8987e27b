// OpenSeadragon's 2D canvas drawer, taught to draw ImageBitmap tiles as they come. The stock drawer
// takes only 'context2d', so OSD turns every bitmap our tile sources deliver into a canvas of its
// own (willReadFrequently, a CPU copy) before drawing it: about 2 ms of the main thread per 240²
// tile here, 70-80 ms of a deep link's first view of 35 tiles (a trace, README). drawImage takes a
// bitmap as it takes a canvas, so the drawer hands it on unchanged.

import OpenSeadragon from 'openseadragon';

/** The part of a 'context2d' record the canvas drawer reads: `rendered.canvas`. */
interface DrawableRecord {
  canvas: CanvasImageSource & { width: number; height: number };
}

export class BitmapCanvasDrawer extends OpenSeadragon.CanvasDrawer {
  /** Bitmaps first, so OSD keeps them as they are; a canvas still draws. */
  override getSupportedDataFormats(): string[] {
    return ['imageBitmap', 'context2d'];
  }

  override getRequiredDataFormats(): string[] {
    return this.getSupportedDataFormats();
  }

  override getDataToDraw(tile: OpenSeadragon.Tile): DrawableRecord | CanvasRenderingContext2D | undefined {
    const data = super.getDataToDraw(tile);
    return typeof ImageBitmap !== 'undefined' && data instanceof ImageBitmap ? { canvas: data } : data;
  }
}
