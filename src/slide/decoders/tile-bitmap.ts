// How a tile becomes an ImageBitmap in the slide worker. Native JPEG tiles go from file bytes to a
// bitmap without the tile cache's RGBA copy, fastest first: WebCodecs planes with the exact colour
// kernel, then createImageBitmap on the file's own bytes (local files), then on the stream. Every
// other tile comes from the reader's RGBA. The platform calls are injected so the choice is
// unit-tested in Node (tile-bitmap.test.ts); slide-worker.ts passes the browser's.

import { SlideError } from '../slide-error';
import type { JpegTileStream, SlideReader } from '../slide-reader';
import type { RgbaImage, TileRequest } from '../slide-types';
import type { WebCodecsJpegDecoder } from './jpeg-webcodecs';

export const BITMAP_OPTIONS: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none' };

export interface BitmapPlatform {
  /** WebCodecs' decoder, or null where the platform has none */
  webCodecs: WebCodecsJpegDecoder | null;
  /** createImageBitmap(source, BITMAP_OPTIONS) */
  bitmap(source: Blob | ImageData): Promise<ImageBitmap>;
  /** createImageBitmap(source, 0, 0, width, height, BITMAP_OPTIONS) */
  cropBitmap(source: ImageBitmap, width: number, height: number): Promise<ImageBitmap>;
  imageData(data: Uint8ClampedArray<ArrayBuffer>, width: number, height: number): ImageData;
  now(): number;
}

export function browserBitmapPlatform(webCodecs: WebCodecsJpegDecoder | null): BitmapPlatform {
  return {
    webCodecs,
    bitmap: (source) => createImageBitmap(source, BITMAP_OPTIONS),
    cropBitmap: (source, width, height) => createImageBitmap(source, 0, 0, width, height, BITMAP_OPTIONS),
    imageData: (data, width, height) => new ImageData(data, width, height),
    now: () => performance.now(),
  };
}

export interface TileBitmaps {
  /** The JPEG fast path's bitmap, or null when the reader's RGBA must serve the tile. */
  jpegTileBitmap(reader: SlideReader, req: TileRequest): Promise<ImageBitmap | null>;
  /**
   * A decoded RGBA tile as a bitmap. The tile's own array is wrapped, not copied: createImageBitmap
   * copies an ImageData before it returns and never writes to it, so a cached tile stays as it was.
   */
  rgbaBitmap(img: RgbaImage): Promise<ImageBitmap>;
}

export function createTileBitmaps(platform: BitmapPlatform): TileBitmaps {
  const { webCodecs } = platform;

  /** One JPEG stream to a bitmap of the tile's size within its level. */
  async function decodeTile(
    reader: SlideReader,
    blob: Blob,
    size: { width: number; height: number },
  ): Promise<ImageBitmap> {
    const t0 = platform.now();
    let bitmap = await platform.bitmap(blob);
    if (bitmap.width !== size.width || bitmap.height !== size.height) {
      // edge tiles are stored padded to the full tile size
      const full = bitmap;
      bitmap = await platform.cropBitmap(full, size.width, size.height);
      full.close();
    }
    reader.noteDecode?.(platform.now() - t0);
    return bitmap;
  }

  /** createImageBitmap on a whole JPEG stream; its failure is the tile's decode error. */
  async function decodeStream(reader: SlideReader, found: JpegTileStream): Promise<ImageBitmap> {
    try {
      return await decodeTile(
        reader,
        new Blob([found.stream as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }),
        found,
      );
    } catch (e) {
      throw new SlideError('decode-failed', `A JPEG tile could not be decoded: ${(e as Error).message}.`, {
        cause: e,
      });
    }
  }

  return {
    async jpegTileBitmap(reader, req) {
      if (webCodecs) {
        const found = await reader.jpegTileStream?.(req);
        if (!found) return null;
        const t0 = platform.now();
        const rgba = await webCodecs.decode(found.stream, req.signal, found, true);
        if (rgba) {
          // createImageBitmap copies an ImageData before it returns, so the borrowed view is safe
          const image = platform.imageData(
            rgba.data as Uint8ClampedArray<ArrayBuffer>,
            rgba.width,
            rgba.height,
          );
          const bitmap = await platform.bitmap(image);
          reader.noteDecode?.(platform.now() - t0);
          return bitmap;
        }
        return decodeStream(reader, found);
      }
      // local files: the decoder reads the tile straight from the file; a tile that is not a plain
      // SOI-first stream fails there and takes the byte path below, which says what is wrong
      const parts = reader.jpegTileParts?.(req);
      if (parts) {
        const blob = new Blob(parts.parts, { type: 'image/jpeg' });
        const bitmap = await decodeTile(reader, blob, parts).catch(() => null);
        if (bitmap) return bitmap;
      }
      const found = await reader.jpegTileStream?.(req);
      return found ? decodeStream(reader, found) : null;
    },

    rgbaBitmap(img) {
      return platform.bitmap(
        platform.imageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height),
      );
    },
  };
}
