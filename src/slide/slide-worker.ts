// Web Worker wrapping openSlide with the browser's JPEG decoder: parsing, decoding and
// resampling all run off the main thread. One worker serves one slide. See slide-client.ts.

import openjpegWasmUrl from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import * as Comlink from 'comlink';
import { createLazyDecoderPool, type LazyDecoderPool, poolServes } from './decoders/geotiff-pool';
import { createNativeJpegDecoder } from './decoders/jpeg-native';
import { createWebCodecsJpegDecoder, webCodecsCounts } from './decoders/jpeg-webcodecs';
import { openSlide } from './open-slide';
import { SlideError } from './slide-error';
import {
  installErrorHandler,
  type SlideWorkerApi,
  type TileFormatWanted,
  type WorkerOpenOptions,
} from './slide-rpc';
import type { RegionRequest, RgbaImage, TileRequest } from './slide-types';
import type { JpegTileStream, SlideReader } from './tiff-slide';

installErrorHandler();

let slide: SlideReader | null = null;
let pool: LazyDecoderPool | null = null;
const calls = new Map<number, AbortController>();

async function tracked<T>(callId: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  calls.set(callId, controller);
  try {
    return await run(controller.signal);
  } finally {
    calls.delete(callId);
  }
}

function current(): SlideReader {
  if (!slide) throw new SlideError('closed', 'No slide is open.');
  return slide;
}

function transferRgba(img: RgbaImage): RgbaImage {
  // Cached tiles are shared: send a copy and transfer the copy's buffer.
  const data = img.data.slice();
  return Comlink.transfer({ width: img.width, height: img.height, data }, [data.buffer]);
}

const BITMAP_OPTIONS: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none' };
const webCodecs = createWebCodecsJpegDecoder();

/**
 * Native JPEG tiles go from file bytes to an ImageBitmap without the tile cache's RGBA copy; null
 * when the general path must serve. Fastest first: WebCodecs planes with the exact colour kernel
 * (bytes from the chunk cache), then one createImageBitmap on the stream.
 */
async function jpegTileBitmap(req: TileRequest): Promise<ImageBitmap | null> {
  const reader = current();
  if (webCodecs) {
    const found = await reader.jpegTileStream?.(req);
    if (!found) return null;
    const t0 = performance.now();
    const rgba = await webCodecs.decode(found.stream, req.signal, found, true);
    if (rgba) {
      // createImageBitmap copies an ImageData before it returns, so the borrowed view is safe
      const image = new ImageData(rgba.data as Uint8ClampedArray<ArrayBuffer>, rgba.width, rgba.height);
      const bitmap = await createImageBitmap(image, BITMAP_OPTIONS);
      reader.noteDecode?.(performance.now() - t0);
      return bitmap;
    }
    return decodeStream(found);
  }
  // local files: the decoder reads the tile straight from the file; a tile that is not a plain
  // SOI-first stream fails there and takes the byte path below, which says what is wrong
  const parts = reader.jpegTileParts?.(req);
  if (parts) {
    const bitmap = await decodeTile(new Blob(parts.parts, { type: 'image/jpeg' }), parts).catch(() => null);
    if (bitmap) return bitmap;
  }
  const found = await reader.jpegTileStream?.(req);
  return found ? decodeStream(found) : null;
}

/** createImageBitmap on a whole JPEG stream; its failure is the tile's decode error. */
async function decodeStream(found: JpegTileStream): Promise<ImageBitmap> {
  try {
    return await decodeTile(
      new Blob([found.stream as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }),
      found,
    );
  } catch (e) {
    throw new SlideError('decode-failed', `A JPEG tile could not be decoded: ${(e as Error).message}.`, {
      cause: e,
    });
  }
}

/** One JPEG stream to an ImageBitmap of the tile's size within its level. */
async function decodeTile(blob: Blob, size: { width: number; height: number }): Promise<ImageBitmap> {
  const t0 = performance.now();
  let bitmap = await createImageBitmap(blob, BITMAP_OPTIONS);
  if (bitmap.width !== size.width || bitmap.height !== size.height) {
    // edge tiles are stored padded to the full tile size
    const full = bitmap;
    bitmap = await createImageBitmap(full, 0, 0, size.width, size.height, BITMAP_OPTIONS);
    full.close();
  }
  current().noteDecode?.(performance.now() - t0);
  return bitmap;
}

const api: SlideWorkerApi = {
  async open(input: Blob | string, options: WorkerOpenOptions, callId: number) {
    slide?.close();
    slide = null;
    pool?.destroy();
    pool = options.decoderPool === false ? null : createLazyDecoderPool();
    slide = await tracked(callId, (signal) =>
      openSlide(input, {
        signal,
        limits: options.limits,
        name: options.name,
        jpegDecoder: createNativeJpegDecoder(),
        openjpegWasmUrl,
        decoderPool: pool ?? undefined,
      }),
    );
    if (poolServes(slide.metadata.compression)) pool?.start();
    return slide.metadata;
  },

  async getTile(req: Omit<TileRequest, 'signal'>, as: TileFormatWanted, callId: number) {
    if (as === 'bitmap' && typeof createImageBitmap === 'function') {
      const bitmap = await tracked(callId, (signal) => jpegTileBitmap({ ...req, signal }));
      if (bitmap) return Comlink.transfer(bitmap, [bitmap]);
    }
    const img = await tracked(callId, (signal) => current().getTile({ ...req, signal }));
    if (as === 'bitmap' && typeof createImageBitmap === 'function') {
      const data = img.data.slice();
      const bitmap = await createImageBitmap(new ImageData(data, img.width, img.height), {
        premultiplyAlpha: 'none',
        colorSpaceConversion: 'none',
      });
      return Comlink.transfer(bitmap, [bitmap]);
    }
    return transferRgba(img);
  },

  async readRegion(req: Omit<RegionRequest, 'signal'>, callId: number) {
    const img = await tracked(callId, (signal) => current().readRegion({ ...req, signal }));
    return Comlink.transfer(img, [img.data.buffer]);
  },

  stats() {
    if (!slide) return null;
    return { ...slide.stats(), webCodecsTiles: webCodecsCounts.decoded, poolTiles: pool?.decoded ?? 0 };
  },

  abort(callId: number) {
    calls.get(callId)?.abort();
  },

  close() {
    for (const c of calls.values()) c.abort();
    calls.clear();
    slide?.close();
    slide = null;
    pool?.destroy();
    pool = null;
  },
};

Comlink.expose(api);
