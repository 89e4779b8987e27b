// Shared low-resolution blocks for MRN context patches.
//
// Usage:
//   const cache = new ContextCache(source, { contextDownsample: contextMpp / slideMpp });
//   const rgba = await cache.read(contextRegion(center, geometry, slideMpp), signal);
//   cache.stats  // { decodedPixels, outputPixels, blockHits, blockMisses } → decoded px per output px
//
// Neighbouring context patches (256 µm fields 48 µm apart) overlap by ~80 %. Instead of one
// readRegion per patch, we read fixed blocks at the pyramid level nearest below the context
// resolution, keep them in an LRU, and resample each context patch from them with an exact
// area average, which matches RegionRequest semantics (output pixel i covers level-0
// [x + i·ds, x + (i+1)·ds)).

import { LRUCache } from 'lru-cache';
import type { RegionRequest, RgbaImage, SlideMetadata, SlideSource } from '../slide/slide-types';
import { isAbortError } from '../util/abort';

export interface ContextCacheOptions {
  /** level-0 px per context pixel */
  contextDownsample: number;
  /** block edge in pixels at the chosen level (default 256) */
  blockSize?: number;
  /** blocks kept (default 192 ≈ 48 MiB of RGBA at 256²) */
  maxBlocks?: number;
}

export interface ContextCacheStats {
  /** pixels read from the slide into blocks */
  decodedPixels: number;
  /** context pixels produced */
  outputPixels: number;
  blockHits: number;
  blockMisses: number;
}

/** Index of the coarsest level not coarser than `downsample` (level 0 when all are coarser). */
export function levelForDownsample(meta: SlideMetadata, downsample: number): number {
  let best = 0;
  meta.levels.forEach((level, i) => {
    if (level.downsample <= downsample * 1.001 && level.downsample > meta.levels[best].downsample) best = i;
  });
  return best;
}

/** For each output pixel along one axis: the source pixels it overlaps and their weights (sum 1). */
function axisWeights(
  start: number,
  count: number,
  ratio: number,
): { first: Int32Array; weights: Float32Array[] } {
  const first = new Int32Array(count);
  const weights: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const a = start + i * ratio;
    const b = a + ratio;
    const s0 = Math.floor(a);
    const s1 = Math.ceil(b);
    const w = new Float32Array(Math.max(1, s1 - s0));
    for (let s = s0; s < s1; s++) w[s - s0] = (Math.min(b, s + 1) - Math.max(a, s)) / ratio;
    first[i] = s0;
    weights.push(w);
  }
  return { first, weights };
}

/**
 * Area-average resampling of `src` (whose pixel (0,0) is at source coordinate `origin`) onto an
 * output grid starting at source coordinate `start` with `ratio` source px per output px.
 */
export function resampleArea(
  src: RgbaImage,
  origin: { x: number; y: number },
  start: { x: number; y: number },
  ratio: number,
  width: number,
  height: number,
): RgbaImage {
  const wx = axisWeights(start.x - origin.x, width, ratio);
  const wy = axisWeights(start.y - origin.y, height, ratio);
  const out = new Uint8ClampedArray(width * height * 4);
  const sw = src.width;
  for (let j = 0; j < height; j++) {
    const ys = wy.first[j];
    const yw = wy.weights[j];
    for (let i = 0; i < width; i++) {
      const xs = wx.first[i];
      const xw = wx.weights[i];
      let r = 0;
      let g = 0;
      let b = 0;
      for (let v = 0; v < yw.length; v++) {
        const row = Math.min(src.height - 1, Math.max(0, ys + v)) * sw;
        for (let u = 0; u < xw.length; u++) {
          const w = yw[v] * xw[u];
          const k = (row + Math.min(sw - 1, Math.max(0, xs + u))) * 4;
          r += src.data[k] * w;
          g += src.data[k + 1] * w;
          b += src.data[k + 2] * w;
        }
      }
      const o = (j * width + i) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}

export class ContextCache {
  readonly level: number;
  /** level-0 px per block pixel */
  readonly blockDownsample: number;
  readonly blockSize: number;
  readonly stats: ContextCacheStats = { decodedPixels: 0, outputPixels: 0, blockHits: 0, blockMisses: 0 };
  private readonly blocks: LRUCache<string, Promise<RgbaImage>>;

  constructor(
    private readonly source: SlideSource,
    options: ContextCacheOptions,
  ) {
    this.level = levelForDownsample(source.metadata, options.contextDownsample);
    this.blockDownsample = source.metadata.levels[this.level].downsample;
    this.blockSize = options.blockSize ?? 256;
    this.blocks = new LRUCache({ max: options.maxBlocks ?? 192 });
  }

  /** decoded slide pixels per context pixel produced so far */
  get decodedPerOutputPixel(): number {
    return this.stats.outputPixels === 0 ? 0 : this.stats.decodedPixels / this.stats.outputPixels;
  }

  private block(bx: number, by: number, signal?: AbortSignal): Promise<RgbaImage> {
    const key = `${bx},${by}`;
    const hit = this.blocks.get(key);
    if (hit) {
      this.stats.blockHits++;
      return hit;
    }
    this.stats.blockMisses++;
    const B = this.blockSize;
    const ds = this.blockDownsample;
    const pending = this.source.readRegion({
      x: bx * B * ds,
      y: by * B * ds,
      width: B,
      height: B,
      downsample: ds,
      signal,
    });
    this.stats.decodedPixels += B * B;
    // a failed or aborted read must not poison the cache for later callers
    pending.catch(() => {
      if (this.blocks.get(key) === pending) this.blocks.delete(key);
    });
    this.blocks.set(key, pending);
    return pending;
  }

  /** Reads a context region (as from contextRegion()) through the block cache. */
  async read(region: RegionRequest, signal?: AbortSignal): Promise<RgbaImage> {
    const B = this.blockSize;
    const ds = this.blockDownsample;
    const ratio = region.downsample / ds;
    // source coordinates (block-level pixels) the region spans
    const sx0 = region.x / ds;
    const sy0 = region.y / ds;
    const px0 = Math.floor(sx0);
    const py0 = Math.floor(sy0);
    const px1 = Math.ceil(sx0 + region.width * ratio);
    const py1 = Math.ceil(sy0 + region.height * ratio);
    const bx0 = Math.floor(px0 / B);
    const by0 = Math.floor(py0 / B);
    const bx1 = Math.floor((px1 - 1) / B);
    const by1 = Math.floor((py1 - 1) / B);
    const mw = px1 - px0;
    const mh = py1 - py0;
    const mosaic: RgbaImage = { width: mw, height: mh, data: new Uint8ClampedArray(mw * mh * 4) };
    const jobs: Promise<void>[] = [];
    for (let by = by0; by <= by1; by++) {
      for (let bx = bx0; bx <= bx1; bx++) {
        jobs.push(
          this.blockWithRetry(bx, by, signal).then((blk) => {
            // copy the overlap of this block into the mosaic
            const x0 = Math.max(px0, bx * B);
            const x1 = Math.min(px1, (bx + 1) * B);
            const y0 = Math.max(py0, by * B);
            const y1 = Math.min(py1, (by + 1) * B);
            for (let y = y0; y < y1; y++) {
              const s = ((y - by * B) * B + (x0 - bx * B)) * 4;
              mosaic.data.set(blk.data.subarray(s, s + (x1 - x0) * 4), ((y - py0) * mw + (x0 - px0)) * 4);
            }
          }),
        );
      }
    }
    await Promise.all(jobs);
    this.stats.outputPixels += region.width * region.height;
    return resampleArea(mosaic, { x: px0, y: py0 }, { x: sx0, y: sy0 }, ratio, region.width, region.height);
  }

  private async blockWithRetry(bx: number, by: number, signal?: AbortSignal): Promise<RgbaImage> {
    try {
      return await this.block(bx, by, signal);
    } catch (error) {
      // the shared read was aborted by another caller's signal, not ours: read again
      if (isAbortError(error) && !signal?.aborted) return this.block(bx, by, signal);
      throw error;
    }
  }

  clear(): void {
    this.blocks.clear();
  }
}
