// The SlideReader every format shares: native levels (LevelTiles, one per format), synthetic tiles
// (2×2 of the finer level), and readRegion resampling, all through one decoded-tile cache.

import { type BoxTile, boxDownsample2x, boxDownsampleTiles, boxQuadrantInto } from './box-downsample';
import type { ByteSource } from './byte-source';
import { fitToTile } from './decoders/decoder-registry';
import type { JpegDecoder } from './decoders/jpeg-decoder';
import type { LevelTiles, TileCounters } from './level-tiles';
import { axisSpan, resample } from './resample';
import { abortError, SlideError, throwIfAborted } from './slide-error';
import { bestLevelFor, type LevelPlan } from './slide-levels';
import type { SlideLimits } from './slide-limits';
import type { JpegTileParts, JpegTileStream, SlideReader, SlideStats } from './slide-reader';
import type { RegionRequest, RgbaImage, SlideMetadata, TileRequest } from './slide-types';
import type { TileCache } from './tile-cache';

export interface PyramidSlideParts {
  metadata: SlideMetadata;
  plans: LevelPlan[];
  /** native levels, in the order plans[].native indexes them */
  levels: LevelTiles[];
  source: ByteSource;
  cache: TileCache;
  counters: TileCounters;
  limits: SlideLimits;
  /** raw-block cache of the directory reads, for stats (and cleared on close) */
  blocks?: { readonly bytes: number; readonly requests: number; clear(): void };
  /** the JPEG levels' decoder: its decodeEach lets a synthetic tile skip the finer tiles' copies */
  jpeg?: JpegDecoder;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Counters for a slide: bytes read by its levels, decode times into the tile cache's stats. */
export function tileCounters(cache: TileCache): TileCounters {
  return { bytesRead: 0, noteDecode: (ms) => cache.noteDecode(ms) };
}

export class PyramidSlide implements SlideReader {
  readonly metadata: SlideMetadata;
  private closed = false;
  private readonly plans: LevelPlan[];
  private readonly levels: LevelTiles[];
  private readonly cache: TileCache;

  constructor(private readonly parts: PyramidSlideParts) {
    this.metadata = parts.metadata;
    this.plans = parts.plans;
    this.levels = parts.levels;
    this.cache = parts.cache;
  }

  async getTile({ level, x, y, signal }: TileRequest): Promise<RgbaImage> {
    const plan = this.checkTile(level, x, y);
    const tile = await this.fullTile(level, x, y, signal);
    const w = Math.min(plan.tileWidth, plan.width - x * plan.tileWidth);
    const h = Math.min(plan.tileHeight, plan.height - y * plan.tileHeight);
    if (w === tile.width && h === tile.height) return tile;
    return crop(tile, w, h);
  }

  /**
   * The viewer's fast path: the complete JPEG stream of a native JPEG tile, for decoding straight
   * to an ImageBitmap (no RGBA read-back, no re-upload). `width`/`height` are the tile's size within
   * the level (edge tiles are stored padded). Null when the general path must serve the tile: not
   * JPEG, a synthetic level, a missing tile, or one already decoded in the cache.
   */
  async jpegTileStream({ level, x, y, signal }: TileRequest): Promise<JpegTileStream | null> {
    const tile = this.nativeJpegTile(level, x, y);
    const stream = tile && (await tile.lv.jpegStream?.(x, y, signal));
    return stream ? { stream, ...tile.size } : null;
  }

  /**
   * The zero-copy variant of jpegTileStream for local files, for browsers without WebCodecs: the
   * stream as Blob parts (prefix + a slice of the file), so createImageBitmap reads the tile from
   * the file itself (1.5 against 2.9 ms per uncached 256² tile here). Null where
   * jpegTileStream must serve: not a local file, RGB tiles, and everything it returns null for.
   * A tile that turns out not to start with SOI fails to decode; the caller then falls back.
   */
  jpegTileParts({ level, x, y }: TileRequest): JpegTileParts | null {
    const tile = this.nativeJpegTile(level, x, y);
    const parts = tile?.lv.jpegParts?.(x, y);
    return parts && tile ? { parts, ...tile.size } : null;
  }

  /**
   * A tile the JPEG fast paths may serve: native, not already decoded in the cache. Its size
   * is the part within the level (edge tiles are stored padded).
   */
  private nativeJpegTile(
    level: number,
    x: number,
    y: number,
  ): { lv: LevelTiles; size: { width: number; height: number } } | null {
    const plan = this.checkTile(level, x, y);
    if (plan.native < 0 || this.cache.has(`${level}/${x}/${y}`)) return null;
    const lv = this.levels[plan.native];
    if (!lv.jpegStream) return null;
    return {
      lv,
      size: {
        width: Math.min(plan.tileWidth, plan.width - x * plan.tileWidth),
        height: Math.min(plan.tileHeight, plan.height - y * plan.tileHeight),
      },
    };
  }

  noteDecode(ms: number): void {
    this.cache.noteDecode(ms);
  }

  async readRegion(req: RegionRequest): Promise<RgbaImage> {
    this.checkOpen();
    const { x, y, width, height, downsample, signal } = req;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new SlideError(
        'bad-request',
        `A region must have a positive whole-pixel size (got ${width}×${height}).`,
      );
    }
    if (!(downsample > 0 && Number.isFinite(downsample) && Number.isFinite(x) && Number.isFinite(y))) {
      throw new SlideError(
        'bad-request',
        `A region needs finite coordinates and a positive downsample (got ${downsample}).`,
      );
    }
    this.checkBudget(width * height * 4, `a ${width}×${height} region`);
    throwIfAborted(signal);
    const li = bestLevelFor(this.plans, downsample);
    const p = this.plans[li];
    const ax = { start: x / p.downsample, scale: downsample / p.downsample, count: width, limit: p.width };
    const ay = {
      start: y / p.downsampleY,
      scale: downsample / p.downsampleY,
      count: height,
      limit: p.height,
    };
    const [x0, x1] = axisSpan(ax);
    const [y0, y1] = axisSpan(ay);
    const src = await this.levelRect(li, x0, y0, x1 - x0, y1 - y0, signal);
    return {
      width,
      height,
      data: resample({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, data: src }, ax, ay),
    };
  }

  stats(): SlideStats {
    return {
      ...this.cache.stats(),
      blockBytes: this.parts.blocks?.bytes ?? 0,
      blockRequests: this.parts.blocks?.requests ?? 0,
      bytesRead: this.parts.counters.bytesRead,
      ...(this.parts.source.requests === undefined ? {} : { rangeRequests: this.parts.source.requests }),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    this.parts.blocks?.clear();
    this.parts.source.close();
  }

  // ---- internals ----

  private checkOpen(): void {
    if (this.closed) throw new SlideError('closed', 'This slide has been closed.');
  }

  private checkTile(level: number, x: number, y: number): LevelPlan {
    this.checkOpen();
    const plan = this.plans[level];
    if (!plan)
      throw new SlideError('bad-request', `There is no level ${level} (the slide has ${this.plans.length}).`);
    const across = Math.ceil(plan.width / plan.tileWidth);
    const down = Math.ceil(plan.height / plan.tileHeight);
    if (!(Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < across && y < down)) {
      throw new SlideError(
        'bad-request',
        `Tile (${x}, ${y}) is outside level ${level} (${across}×${down} tiles).`,
      );
    }
    return plan;
  }

  private checkBudget(bytes: number, what: string): void {
    const max = this.parts.limits.maxRegionBytes;
    if (bytes > max) {
      throw new SlideError(
        'allocation-limit',
        `Reading ${what} would need ${Math.round(bytes / 2 ** 20)} MB, more than the ${Math.round(max / 2 ** 20)} MB allowed.`,
      );
    }
  }

  /** A tile of `level`, padded (white) to the full tile size, through the cache. */
  private fullTile(level: number, x: number, y: number, signal?: AbortSignal): Promise<RgbaImage> {
    const plan = this.plans[level];
    return this.cache.get(
      `${level}/${x}/${y}`,
      (s) => (plan.native >= 0 ? this.loadNative(plan.native, x, y, s) : this.buildSynthetic(level, x, y, s)),
      signal,
    );
  }

  private async loadNative(n: number, x: number, y: number, signal: AbortSignal): Promise<RgbaImage> {
    const lv = this.levels[n];
    const img = await lv.decodeTile(x, y, signal);
    return img ?? blankTile(lv.tileWidth, lv.tileHeight); // a tile the file leaves out: background
  }

  /** Synthetic tile: 2×2 box average of the matching area of the next finer level. */
  private async buildSynthetic(level: number, x: number, y: number, signal: AbortSignal): Promise<RgbaImage> {
    const plan = this.plans[level];
    const finer = this.plans[level - 1];
    const tw = plan.tileWidth;
    const th = plan.tileHeight;
    if (finer.tileWidth === tw && finer.tileHeight === th && tw % 2 === 0 && th % 2 === 0) {
      return this.synthesiseFromTiles(level, x, y, signal);
    }
    const src = await this.levelRect(level - 1, 2 * x * tw, 2 * y * th, 2 * tw, 2 * th, signal);
    const t0 = now();
    const data = boxDownsample2x(
      { data: src, availableX: finer.width - 2 * x * tw, availableY: finer.height - 2 * y * th },
      tw,
      th,
    );
    this.cache.noteDecode(now() - t0);
    return { width: tw, height: th, data };
  }

  /** buildSynthetic where the finer level's tiles are the same size: the kernel reads them in place. */
  private async synthesiseFromTiles(
    level: number,
    x: number,
    y: number,
    signal: AbortSignal,
  ): Promise<RgbaImage> {
    const viewed = await this.synthesiseFromJpegViews(level, x, y, signal);
    if (viewed) return viewed;
    const finer = this.plans[level - 1];
    const tw = finer.tileWidth;
    const th = finer.tileHeight;
    const across = Math.ceil(finer.width / tw);
    const down = Math.ceil(finer.height / th);
    const quads: (BoxTile | null)[] = [null, null, null, null];
    const jobs: Promise<void>[] = [];
    for (let q = 0; q < 4; q++) {
      const fx = 2 * x + (q & 1);
      const fy = 2 * y + (q >> 1);
      if (fx >= across || fy >= down) continue;
      jobs.push(
        this.fullTile(level - 1, fx, fy, signal).then((tile) => {
          quads[q] = {
            data: tile.data,
            stride: tile.width,
            availableX: Math.min(tile.width, finer.width - fx * tw),
            availableY: Math.min(tile.height, finer.height - fy * th),
          };
        }),
      );
    }
    await settleAll(jobs, signal);
    const t0 = now();
    const data = boxDownsampleTiles(quads, tw, th);
    this.cache.noteDecode(now() - t0);
    return { width: tw, height: th, data };
  }

  /**
   * synthesiseFromTiles over a native JPEG level whose four tiles are not decoded yet: the decoder
   * hands each tile's pixels to the box kernel where they were converted (JpegDecoder.decodeEach),
   * so the finer tiles are neither copied out nor cached. A deep link's home view is built this way
   * from level-0 tiles (130 for the shared SVS). Null where the general path must serve: no
   * decodeEach, a finer level that is synthetic or not JPEG, a tile already cached or missing.
   */
  private async synthesiseFromJpegViews(
    level: number,
    x: number,
    y: number,
    signal: AbortSignal,
  ): Promise<RgbaImage | null> {
    const decodeEach = this.parts.jpeg?.decodeEach;
    const finer = this.plans[level - 1];
    if (!decodeEach || finer.native < 0) return null;
    const lv = this.levels[finer.native];
    if (!lv.jpegStream) return null;
    const tw = finer.tileWidth;
    const th = finer.tileHeight;
    const across = Math.ceil(finer.width / tw);
    const down = Math.ceil(finer.height / th);
    const coords: ({ fx: number; fy: number } | null)[] = [0, 1, 2, 3].map((q) => {
      const fx = 2 * x + (q & 1);
      const fy = 2 * y + (q >> 1);
      return fx < across && fy < down ? { fx, fy } : null;
    });
    if (coords.some((c) => c && this.cache.has(`${level - 1}/${c.fx}/${c.fy}`))) return null;
    const streams = await Promise.all(coords.map((c) => (c ? lv.jpegStream!(c.fx, c.fy, signal) : null)));
    if (streams.some((s, q) => coords[q] && !s)) return null;
    throwIfAborted(signal);
    const t0 = now();
    const out = new Uint8ClampedArray(tw * th * 4).fill(255);
    await decodeEach.call(
      this.parts.jpeg,
      streams,
      (q, img) => {
        const c = coords[q]!;
        // padded or cropped as decodeTile does (a new array then; the view itself is never written)
        const tile = fitToTile(img, tw, th, true);
        boxQuadrantInto(out, tw, th, q, {
          data: tile.data,
          stride: tw,
          availableX: Math.min(tw, finer.width - c.fx * tw),
          availableY: Math.min(th, finer.height - c.fy * th),
        });
      },
      signal,
    );
    this.cache.noteDecode(now() - t0);
    return { width: tw, height: th, data: out };
  }

  /** RGBA of a rectangle of one level in its own pixels; white outside the level. */
  private async levelRect(
    level: number,
    x0: number,
    y0: number,
    w: number,
    h: number,
    signal?: AbortSignal,
  ): Promise<Uint8ClampedArray> {
    this.checkBudget(w * h * 4, `${w}×${h} pixels of level ${level}`);
    const plan = this.plans[level];
    const tw = plan.tileWidth;
    const th = plan.tileHeight;
    const out = new Uint8ClampedArray(w * h * 4).fill(255);
    const cx0 = Math.max(0, Math.floor(x0 / tw));
    const cy0 = Math.max(0, Math.floor(y0 / th));
    const cx1 = Math.min(Math.ceil(plan.width / tw), Math.ceil((x0 + w) / tw));
    const cy1 = Math.min(Math.ceil(plan.height / th), Math.ceil((y0 + h) / th));
    const jobs: Promise<void>[] = [];
    for (let ty = cy0; ty < cy1; ty++) {
      for (let tx = cx0; tx < cx1; tx++) {
        jobs.push(
          this.fullTile(level, tx, ty, signal).then((tile) => {
            // Copy the part of the tile that lies inside both the rect and the level.
            const ox = tx * tw;
            const oy = ty * th;
            const ix0 = Math.max(x0, ox);
            const iy0 = Math.max(y0, oy);
            const ix1 = Math.min(x0 + w, ox + tw, plan.width);
            const iy1 = Math.min(y0 + h, oy + th, plan.height);
            for (let yy = iy0; yy < iy1; yy++) {
              const s = ((yy - oy) * tw + (ix0 - ox)) * 4;
              out.set(tile.data.subarray(s, s + (ix1 - ix0) * 4), ((yy - y0) * w + (ix0 - x0)) * 4);
            }
          }),
        );
      }
    }
    await settleAll(jobs, signal);
    return out;
  }
}

/** Like Promise.all, but waits for every job before rejecting, so no tile read is left dangling. */
async function settleAll(jobs: Promise<void>[], signal?: AbortSignal): Promise<void> {
  const results = await Promise.allSettled(jobs);
  if (signal?.aborted) throw abortError(signal);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export function blankTile(w: number, h: number): RgbaImage {
  return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(255) };
}

function crop(img: RgbaImage, w: number, h: number): RgbaImage {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    out.set(img.data.subarray(y * img.width * 4, y * img.width * 4 + w * 4), y * w * 4);
  return { width: w, height: h, data: out };
}
