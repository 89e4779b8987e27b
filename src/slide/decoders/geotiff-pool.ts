// geotiff's decoder pool for LZW, the slowest codec the browser cannot decode natively: its workers
// decode tiles in parallel, where the slide worker alone decodes them one after another. A trip
// to a pool worker costs ~1.5 ms per tile, so it pays where decoding is slow and tiles come many
// at a time (a viewport), and more with more cores. On the 2-core development machine
// (npm run bench -- tiles, 4096² slides, 4 tiles in flight) LZW ran 1.19–1.67× faster through the
// pool, against run-to-run noise of up to 1.34× (the Deflate control), and 0.75× one tile at a
// time. Deflate and PackBits decode fast enough that the trip does not pay (Deflate through the
// pool measured 0.74× once), so they stay in the slide worker. The pool starts with an LZW slide.
// Its workers are geotiff-decoder-worker.ts, not geotiff's own: they decode LZW with the bounded
// decoder (lzw.ts), as the slide worker does without a pool.

import type { Pool } from 'geotiff';
import { Compression, compressionName } from '../tiff-tags';

/** What the decoder registry needs of a pool (geotiff's Pool fits). */
export interface DecoderPool {
  bindParameters(
    compression: number,
    parameters: Parameters<Pool['bindParameters']>[1],
  ): { decode(buffer: ArrayBufferLike): Promise<ArrayBufferLike> };
}

export interface LazyDecoderPool extends DecoderPool {
  /** tiles decoded through the pool */
  readonly decoded: number;
  /** starts the workers now (a slide that will need them: their start-up stays out of tile time) */
  start(): void;
  destroy(): void;
}

/** TIFF compression codes the pool serves (LZW). */
export const POOL_COMPRESSIONS: ReadonlySet<number> = new Set([Compression.Lzw]);

/** Whether a slide whose SlideMetadata.compression is this name needs the pool. */
export function poolServes(compression: string): boolean {
  return [...POOL_COMPRESSIONS].some((code) => compressionName(code) === compression);
}

function createDecoderWorker(): Worker {
  return new Worker(new URL('./geotiff-decoder-worker.ts', import.meta.url), {
    type: 'module',
    name: 'geotiff-decoder',
  });
}

/** A pool of `size` workers (default: one per core, at least 2), started on the first decode. */
export function createLazyDecoderPool(size?: number): LazyDecoderPool {
  // geotiff itself loads with the pool (decoder-registry.ts: most of the slide worker's script)
  let pool: Promise<Pool> | null = null;
  let decoded = 0;
  const workers = size ?? Math.max(2, globalThis.navigator?.hardwareConcurrency ?? 2);
  const started = () =>
    (pool ??= import('geotiff').then(
      ({ Pool: GeotiffPool }) => new GeotiffPool(workers, createDecoderWorker),
    ));
  return {
    get decoded() {
      return decoded;
    },
    start() {
      void started();
    },
    bindParameters(compression, parameters) {
      return {
        decode: async (buffer) => {
          const bound = (await started()).bindParameters(compression, parameters);
          const out = await bound.decode(buffer);
          decoded++;
          return out;
        },
      };
    },
    destroy() {
      const p = pool;
      pool = null;
      void p?.then((x) => x.destroy());
    },
  };
}
