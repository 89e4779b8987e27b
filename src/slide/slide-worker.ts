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
import { earlyOpenFromName, earlyOpenKey } from './early-open';
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
import type { AssociatedRequest, RegionRequest, RgbaImage, SlideMetadata, TileRequest } from './slide-types';

installErrorHandler();

/** wall-clock ms (epoch), comparable with the page's performance.timeOrigin */
const wallNow = () => performance.timeOrigin + performance.now();
/** when this script ran: after the worker's start, its script's fetch and its compile */
const scriptRunAt = wallNow();
/** the open's milestones (stats().timeline): the slide open, its home view's tiles all read ahead */
let openedAt: number | null = null;
let readAheadDoneAt: number | null = null;

let slide: SlideReader | null = null;
let pool: LazyDecoderPool | null = null;
/** the home view's tiles read ahead of the viewer (WorkerOpenOptions.prefetchView) */
let prefetch: AbortController | null = null;
let prefetched = 0;
const calls = new Map<number, AbortController>();
/** an open index.html started before the app's code loaded, until the app's own open takes it */
let early: { input: string; key: string; controller: AbortController; done: Promise<SlideMetadata> } | null =
  null;
let earlyOpen = false;
let opens = 0;

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

/** Opens `input` as this worker's one slide, closing whatever it had. */
async function openNow(
  input: Blob | Blob[] | string,
  options: WorkerOpenOptions,
  signal: AbortSignal,
): Promise<SlideMetadata> {
  prefetch?.abort();
  prefetch = null;
  prefetched = 0;
  openedAt = null;
  readAheadDoneAt = null;
  slide?.close();
  slide = null;
  pool?.destroy();
  pool = options.decoderPool === false ? null : createLazyDecoderPool();
  opens++;
  const reader = await openSlide(input, {
    signal,
    limits: options.limits,
    name: options.name,
    jpegDecoder: createNativeJpegDecoder(),
    openjpegWasmUrl,
    charlsWasmUrl,
    bearerToken: options.bearerToken,
    coalesce: options.coalesce,
    decoderPool: pool ?? undefined,
  });
  if (signal.aborted) {
    // a later open took over while this one finished
    reader.close();
    throw new DOMException('The open was superseded.', 'AbortError');
  }
  slide = reader;
  openedAt = wallNow();
  if (poolServes(reader.metadata.compression)) pool?.start();
  if (options.prefetchView) readAhead(reader, options.prefetchView);
  return reader.metadata;
}

/**
 * index.html's early open (early-open.ts): a deep link's slide, named in this worker's name, starts
 * opening as soon as this script has run, before the app's code has loaded.
 */
function startEarlyOpen(): void {
  const request = earlyOpenFromName(typeof self.name === 'string' ? self.name : '');
  if (!request) return;
  const options: WorkerOpenOptions = { coalesce: request.coalesce };
  const controller = new AbortController();
  const done = openNow(request.input, options, controller.signal);
  done.catch(() => {}); // the app's open reports it
  early = { input: request.input, key: earlyOpenKey(options), controller, done };
}

const api: SlideWorkerApi = {
  async open(input: Blob | Blob[] | string, options: WorkerOpenOptions, callId: number) {
    const pending = early;
    early = null;
    if (pending && pending.input === input && pending.key === earlyOpenKey(options)) {
      // the app's open of the slide index.html started: the same open, not a second one
      calls.set(callId, pending.controller);
      try {
        const metadata = await pending.done;
        earlyOpen = true;
        if (options.prefetchView && slide) readAhead(slide, options.prefetchView);
        return metadata;
      } finally {
        calls.delete(callId);
      }
    }
    pending?.controller.abort();
    earlyOpen = false;
    return tracked(callId, (signal) => openNow(input, options, signal));
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
      earlyOpen,
      opens,
      timeline: { workerStartedAt: performance.timeOrigin, scriptRunAt, openedAt, readAheadDoneAt },
    };
  },

  abort(callId: number) {
    calls.get(callId)?.abort();
  },

  close() {
    early?.controller.abort();
    early = null;
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
  const reads = homeViewTiles(reader.metadata, view).map((t) =>
    reader.getTile({ ...t, signal: controller.signal }).then(
      () => {
        if (prefetch === controller) prefetched++;
      },
      () => {}, // the viewer's own request reports a tile's failure
    ),
  );
  void Promise.all(reads).then(() => {
    if (prefetch === controller && !controller.signal.aborted) readAheadDoneAt = wallNow();
  });
}

Comlink.expose(api);
startEarlyOpen();
