// Web Worker wrapping openSlide with the browser's JPEG decoder: parsing, decoding and
// resampling all run off the main thread. One worker serves one slide. See slide-client.ts.
// A thin shell: formats are chosen in open-slide.ts, tiles become bitmaps in decoders/tile-bitmap.ts.

import charlsWasmUrl from '@cornerstonejs/codec-charls/decodewasm?url';
import openjpegWasmUrl from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import * as Comlink from 'comlink';
import { createLazyDecoderPool, type LazyDecoderPool, poolServes } from './decoders/geotiff-pool';
import { createNativeJpegDecoder } from './decoders/jpeg-native';
import { createWebCodecsJpegDecoder, webCodecsCounts } from './decoders/jpeg-webcodecs';
import { browserBitmapPlatform, createTileBitmaps } from './decoders/tile-bitmap';
import { homeViewTiles } from './home-view-tiles';
import { openSlide } from './open-slide';
import { SlideError } from './slide-error';
import type { SlideReader } from './slide-reader';
import {
  installErrorHandler,
  type SlideWorkerApi,
  type TileFormatWanted,
  type WorkerOpenOptions,
} from './slide-rpc';
import type { AssociatedRequest, RegionRequest, RgbaImage, TileRequest } from './slide-types';

installErrorHandler();

let slide: SlideReader | null = null;
let pool: LazyDecoderPool | null = null;
/** the home view's tiles read ahead of the viewer (WorkerOpenOptions.prefetchView) */
let prefetch: AbortController | null = null;
let prefetched = 0;
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

const bitmaps =
  typeof createImageBitmap === 'function'
    ? createTileBitmaps(browserBitmapPlatform(createWebCodecsJpegDecoder()))
    : null;

const api: SlideWorkerApi = {
  async open(input: Blob | Blob[] | string, options: WorkerOpenOptions, callId: number) {
    prefetch?.abort();
    prefetch = null;
    prefetched = 0;
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
        charlsWasmUrl,
        bearerToken: options.bearerToken,
        coalesce: options.coalesce,
        decoderPool: pool ?? undefined,
      }),
    );
    if (poolServes(slide.metadata.compression)) pool?.start();
    if (options.prefetchView) readAhead(slide, options.prefetchView);
    return slide.metadata;
  },

  async getTile(req: Omit<TileRequest, 'signal'>, as: TileFormatWanted, callId: number) {
    if (as === 'bitmap' && bitmaps) {
      const reader = current();
      const bitmap = await tracked(callId, (signal) => bitmaps.jpegTileBitmap(reader, { ...req, signal }));
      if (bitmap) return Comlink.transfer(bitmap, [bitmap]);
    }
    const img = await tracked(callId, (signal) => current().getTile({ ...req, signal }));
    if (as === 'bitmap' && bitmaps) {
      const bitmap = await bitmaps.rgbaBitmap(img);
      return Comlink.transfer(bitmap, [bitmap]);
    }
    return transferRgba(img);
  },

  async readRegion(req: Omit<RegionRequest, 'signal'>, callId: number) {
    const img = await tracked(callId, (signal) => current().readRegion({ ...req, signal }));
    return Comlink.transfer(img, [img.data.buffer]);
  },

  async readAssociated(req: Omit<AssociatedRequest, 'signal'>, callId: number) {
    const reader = current();
    if (!reader.readAssociated) throw new SlideError('bad-request', 'This slide has no associated images.');
    const img = await tracked(callId, (signal) => reader.readAssociated!({ ...req, signal }));
    return Comlink.transfer(img, [img.data.buffer]);
  },

  stats() {
    if (!slide) return null;
    return {
      ...slide.stats(),
      webCodecsTiles: webCodecsCounts.decoded,
      poolTiles: pool?.decoded ?? 0,
      prefetchedTiles: prefetched,
    };
  },

  abort(callId: number) {
    calls.get(callId)?.abort();
  },

  close() {
    for (const c of calls.values()) c.abort();
    calls.clear();
    prefetch?.abort();
    prefetch = null;
    slide?.close();
    slide = null;
    pool?.destroy();
    pool = null;
  },
};

/**
 * Decodes the home view's tiles into the reader's tile cache now, so the viewer's first requests
 * find them there (or join them in flight) instead of starting them once its code has loaded.
 */
function readAhead(reader: SlideReader, view: { width: number; height: number }): void {
  const controller = new AbortController();
  prefetch = controller;
  for (const t of homeViewTiles(reader.metadata, view)) {
    reader.getTile({ ...t, signal: controller.signal }).then(
      () => {
        if (prefetch === controller) prefetched++;
      },
      () => {}, // the viewer's own request reports a tile's failure
    );
  }
}

Comlink.expose(api);
