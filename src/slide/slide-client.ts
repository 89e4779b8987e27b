/**
 * Main-thread client for the slide worker.
 *
 *   const slide = await openSlideInWorker(fileOrUrl, signal, { tileFormat: 'bitmap' });
 *   slide.metadata                      // SlideMetadata (levels include synthetic ones)
 *   await slide.getTile({ level, x, y, signal })   // ImageBitmap (default) or RgbaImage
 *                                       // edge tiles are cropped to the level's bounds
 *   await slide.readRegion({ x, y, width, height, downsample, signal })  // RgbaImage
 *   await slide.readAssociated({ index, maxSize, signal })  // metadata.associated[index], RgbaImage
 *   await slide.stats()                 // SlideStats: hits, misses, bytes, decodedTiles, decodeMs, …
 *   slide.close()                       // terminates the worker
 *
 * - One worker per slide; parsing, decoding and resampling happen there (LZW tiles in geotiff's
 *   decoder pool, which that worker starts for LZW slides). Results are transferred.
 * - Aborting a signal rejects that call with a DOMException named 'AbortError' and cancels the
 *   work in the worker (a tile shared with other callers keeps loading for them).
 * - Failures reject with SlideError (name 'SlideError', `code` from SlideErrorCode, `message` a
 *   sentence to show people as is).
 * - `openSlideInWorker(input, signal, { worker })` accepts a ready Worker (tests, custom bundling,
 *   the one index.html started for a deep link: early-open.ts).
 */

import * as Comlink from 'comlink';
import { abortError, SlideError, type SlideErrorCode } from './slide-error';
import type { SlideStats } from './slide-reader';
import {
  installErrorHandler,
  type SlideWorkerApi,
  type TileFormatWanted,
  type WorkerOpenOptions,
} from './slide-rpc';
import type { AssociatedRequest, RegionRequest, RgbaImage, SlideMetadata, TileRequest } from './slide-types';

export interface WorkerSlide {
  readonly metadata: SlideMetadata;
  getTile(request: TileRequest): Promise<ImageBitmap | RgbaImage>;
  readRegion(request: RegionRequest): Promise<RgbaImage>;
  readAssociated(request: AssociatedRequest): Promise<RgbaImage>;
  stats(): Promise<SlideStats | null>;
  close(): void;
}

/** What the worker's open takes (slide-rpc.ts), and how tiles come back and from which worker. */
export interface OpenInWorkerOptions extends WorkerOpenOptions {
  /** 'bitmap' (default): tiles arrive as ImageBitmap; 'rgba': as RgbaImage */
  tileFormat?: TileFormatWanted;
  /** use this worker instead of starting slide-worker.ts */
  worker?: Worker;
  /** terminate `worker` on close, as a worker started here is (default: only one started here) */
  terminateWorker?: boolean;
}

let nextCallId = 1;

function toSlideError(e: unknown): unknown {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' && 'message' in e) {
    return new SlideError(e.code as SlideErrorCode, String(e.message));
  }
  return e;
}

export async function openSlideInWorker(
  input: Blob | Blob[] | string,
  signal?: AbortSignal,
  options: OpenInWorkerOptions = {},
): Promise<WorkerSlide> {
  installErrorHandler();
  const worker =
    options.worker ??
    new Worker(new URL('./slide-worker.ts', import.meta.url), { type: 'module', name: 'slide' });
  const remote = Comlink.wrap<SlideWorkerApi>(worker);
  let closed = false;
  const tileFormat = options.tileFormat ?? 'bitmap';

  /** Runs one remote call under an AbortSignal, forwarding the abort to the worker. */
  async function call<T>(sig: AbortSignal | undefined, run: (id: number) => Promise<T>): Promise<T> {
    if (closed) throw new SlideError('closed', 'This slide has been closed.');
    if (sig?.aborted) throw abortError(sig);
    const id = nextCallId++;
    const onAbort = () => void remote.abort(id).catch(() => {});
    sig?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await run(id);
      if (sig?.aborted) throw abortError(sig);
      return result;
    } catch (e) {
      if (sig?.aborted) throw abortError(sig);
      throw toSlideError(e);
    } finally {
      sig?.removeEventListener('abort', onAbort);
    }
  }

  const close = () => {
    if (closed) return;
    closed = true;
    remote.close().catch(() => {});
    remote[Comlink.releaseProxy]();
    if (options.terminateWorker ?? !options.worker) worker.terminate();
  };

  let metadata: SlideMetadata;
  try {
    metadata = await call(signal, (id) =>
      remote.open(
        input,
        {
          limits: options.limits,
          name: options.name,
          decoderPool: options.decoderPool,
          bearerToken: options.bearerToken,
          coalesce: options.coalesce,
          prefetchView: options.prefetchView,
        },
        id,
      ),
    );
  } catch (e) {
    close();
    throw e;
  }

  return {
    metadata,
    getTile: ({ level, x, y, signal: s }) =>
      call(s, (id) => remote.getTile({ level, x, y }, tileFormat, id) as Promise<ImageBitmap | RgbaImage>),
    readRegion: ({ signal: s, ...req }) => call(s, (id) => remote.readRegion(req, id) as Promise<RgbaImage>),
    readAssociated: ({ signal: s, ...req }) =>
      call(s, (id) => remote.readAssociated(req, id) as Promise<RgbaImage>),
    stats: () => (closed ? Promise.resolve(null) : (remote.stats() as Promise<SlideStats | null>)),
    close,
  };
}
