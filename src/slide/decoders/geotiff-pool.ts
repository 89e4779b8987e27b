// geotiff's decoder pool for LZW, the slowest codec the browser cannot decode natively: its workers
// decode tiles in parallel, where the slide worker alone would decode them one after another.
// Measured here (npm run bench -- tiles, 4096² slides, 4 tiles in flight, 2 cores): LZW 229 tiles/s
// through the pool against 137 in the slide worker; Deflate and PackBits decode faster than a trip
// to a pool worker costs (Deflate 573 tiles/s in the slide worker, 424 through the pool), so they
// stay in the slide worker. Started when a slide needs it, so other slides start no extra workers.

import { Pool } from 'geotiff';

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
export const POOL_COMPRESSIONS: ReadonlySet<number> = new Set([5]);

/** A pool of `size` workers (default: one per core, at least 2), started on the first decode. */
export function createLazyDecoderPool(size?: number): LazyDecoderPool {
  let pool: Pool | null = null;
  let decoded = 0;
  const workers = size ?? Math.max(2, globalThis.navigator?.hardwareConcurrency ?? 2);
  return {
    get decoded() {
      return decoded;
    },
    start() {
      pool ??= new Pool(workers);
    },
    bindParameters(compression, parameters) {
      pool ??= new Pool(workers);
      const bound = pool.bindParameters(compression, parameters);
      return {
        decode: async (buffer) => {
          const out = await bound.decode(buffer);
          decoded++;
          return out;
        },
      };
    },
    destroy() {
      void pool?.destroy();
      pool = null;
    },
  };
}
