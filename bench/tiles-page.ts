// Browser half of `npm run bench -- tiles`: loaded into the running app by bench/tiles.ts.
// Times the app's tile path (slide worker: WebCodecs decode, exact colour kernel, ImageBitmap out)
// against geotiff's readRasters on the same level-0 tiles of the same in-memory Blob. No warm-up
// pass: it would leave file chunks cached for the app's path only.

import { fromBlob, Pool } from 'geotiff';
import { openSlideInWorker, type WorkerSlide } from '../src/slide/slide-client';

export interface PathTiming {
  tiles: number;
  /** mean ms per tile, one request at a time */
  msPerTileSerial: number;
  /** tiles per second with `concurrency` requests in flight */
  tilesPerSecond: number;
  concurrency: number;
}

export interface TileBenchResult {
  slide: string;
  tileSize: [number, number];
  app: PathTiming;
  geotiff: PathTiming;
  geotiffPool: PathTiming;
  /** app tiles/s over geotiff tiles/s (serial and concurrent) */
  speedupSerial: number;
  speedupConcurrent: number;
  speedupVsPool: number;
}

type TileFn = (col: number, row: number) => Promise<unknown>;

export async function timePath(
  grid: [number, number][],
  fn: TileFn,
  concurrency: number,
): Promise<PathTiming> {
  const half = Math.floor(grid.length / 2);
  const serial = grid.slice(0, half);
  const parallel = grid.slice(half);
  let t0 = performance.now();
  for (const [c, r] of serial) await fn(c, r);
  const serialMs = performance.now() - t0;
  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < parallel.length) {
        const [c, r] = parallel[next++];
        await fn(c, r);
      }
    }),
  );
  const parallelMs = performance.now() - t0;
  return {
    tiles: grid.length,
    msPerTileSerial: serialMs / serial.length,
    tilesPerSecond: (parallel.length / parallelMs) * 1000,
    concurrency,
  };
}

/** Distinct level-0 tiles spread over the slide (every tile is decoded once per path). */
export function tileGrid(cols: number, rows: number, count: number): [number, number][] {
  const all: [number, number][] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) all.push([c, r]);
  const step = Math.max(1, Math.floor(all.length / count));
  return all.filter((_, i) => i % step === 0).slice(0, count);
}

/** The app's tile path: `count` level-0 tiles through the slide worker, `concurrency` at a time. */
export function timeSlideTiles(slide: WorkerSlide, count: number, concurrency: number): Promise<PathTiming> {
  const level = slide.metadata.levels[0];
  const grid = tileGrid(
    Math.ceil(level.width / level.tileWidth),
    Math.ceil(level.height / level.tileHeight),
    count,
  );
  return timePath(
    grid,
    async (x, y) => {
      const tile = await slide.getTile({ level: 0, x, y });
      if ('close' in tile) tile.close();
    },
    concurrency,
  );
}

export async function benchTiles(
  url: string,
  count = 144,
  concurrency = 4,
  options: { decoderPool?: boolean } = {},
): Promise<TileBenchResult> {
  const blob = await (await fetch(url)).blob();
  const signal = new AbortController().signal;
  const slide = await openSlideInWorker(blob, signal, { tileFormat: 'bitmap', ...options });
  const level = slide.metadata.levels[0];
  const cols = Math.ceil(level.width / level.tileWidth);
  const rows = Math.ceil(level.height / level.tileHeight);
  const grid = tileGrid(cols, rows, count);
  const app = await timeSlideTiles(slide, count, concurrency);
  slide.close();

  const tiff = await fromBlob(blob);
  const image = await tiff.getImage(0);
  const [tw, th] = [image.getTileWidth(), image.getTileHeight()];
  const readWith =
    (pool?: Pool): TileFn =>
    (x, y) =>
      image.readRasters({ window: [x * tw, y * th, (x + 1) * tw, (y + 1) * th], interleave: true, pool });
  const geotiff = await timePath(grid, readWith(), concurrency);
  const pool = new Pool(navigator.hardwareConcurrency);
  const geotiffPool = await timePath(grid, readWith(pool), concurrency);
  pool.destroy();

  return {
    slide: url.split('/').pop() ?? url,
    tileSize: [tw, th],
    app,
    geotiff,
    geotiffPool,
    speedupSerial: geotiff.msPerTileSerial / app.msPerTileSerial,
    speedupConcurrent: app.tilesPerSecond / geotiff.tilesPerSecond,
    speedupVsPool: app.tilesPerSecond / geotiffPool.tilesPerSecond,
  };
}
