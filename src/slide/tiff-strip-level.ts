// Striped TIFF levels (no tiles: none, LZW, Deflate, PackBits or JPEG strips), served as virtual
// 512² tiles. A tile decodes the strips its rows cross; decoded strips (full image width) stay in
// an LRU bounded by SlideLimits.maxStripCacheBytes, so the tiles across one band of rows share
// one decode. Strips whose one band of tiles would not fit that cap together are refused when the
// slide opens: decoded one after another they would evict each other for every tile (a damaged
// header claiming 60 000 px of width took 13 s in the fuzz run, strip decodes repeated per tile).

import { LRUCache } from 'lru-cache';
import { getTileDecoder, type TileFormat } from './decoders/decoder-registry';
import type { LevelTiles } from './level-tiles';
import { SlideError, throwIfAborted } from './slide-error';
import type { SlideLimits } from './slide-limits';
import type { NativeLevel } from './slide-structure';
import type { RgbaImage } from './slide-types';
import { TiffLevel, tileFormat } from './tiff-level';

export const STRIP_TILE = 512;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The most strips one row of virtual tiles crosses (rowsPerStrip = lv.tileHeight). */
export function stripsPerBand(lv: Pick<NativeLevel, 'height' | 'tileHeight'>): number {
  const rps = Math.max(1, lv.tileHeight);
  const crossing = Math.ceil(STRIP_TILE / rps) + (STRIP_TILE % rps === 0 ? 0 : 1);
  return Math.max(1, Math.min(Math.ceil(lv.height / rps), crossing));
}

/** Refuses strips that would not fit the strip cache once decoded, one band of tiles' worth. */
export function checkStripSize(lv: NativeLevel, name: string, limits: SlideLimits): void {
  const bytes = lv.width * lv.tileHeight * Math.max(4, lv.samplesPerPixel);
  const band = stripsPerBand(lv);
  const cap = Math.round(limits.maxStripCacheBytes / 2 ** 20);
  const convert = 'Convert it to a tiled pyramidal TIFF (vips tiffsave --tile --pyramid).';
  if (bytes > limits.maxStripCacheBytes) {
    throw new SlideError(
      'allocation-limit',
      `${name} stores its image in strips of ${lv.width}×${lv.tileHeight} pixels, which would need ${Math.round(bytes / 2 ** 20)} MB each decoded, more than the ${cap} MB memory cap for strips. ${convert}`,
    );
  }
  if (bytes * band > limits.maxStripCacheBytes) {
    throw new SlideError(
      'allocation-limit',
      `${name} stores its image in strips of ${lv.width}×${lv.tileHeight} pixels; a ${STRIP_TILE}-pixel row of tiles crosses ${band} of them, which would need ${Math.round((bytes * band) / 2 ** 20)} MB decoded at once, more than the ${cap} MB memory cap for strips. ${convert}`,
    );
  }
}

export class TiffStripLevel extends TiffLevel implements LevelTiles {
  readonly tileWidth = STRIP_TILE;
  readonly tileHeight = STRIP_TILE;
  private readonly rowsPerStrip = this.lv.tileHeight;
  private readonly strips = new LRUCache<number, RgbaImage>({
    maxSize: Math.max(1, this.limits.maxStripCacheBytes),
    sizeCalculation: (img) => Math.max(1, img.data.byteLength),
  });
  private readonly pending = new Map<number, Promise<RgbaImage>>();

  async decodeTile(x: number, y: number, signal: AbortSignal): Promise<RgbaImage> {
    const t = STRIP_TILE;
    const out = new Uint8ClampedArray(t * t * 4).fill(255);
    const r0 = y * t;
    const r1 = Math.min(this.height, r0 + t);
    const x0 = x * t;
    const w = Math.min(t, this.width - x0);
    const first = Math.floor(r0 / this.rowsPerStrip);
    const last = Math.floor((r1 - 1) / this.rowsPerStrip);
    const strips = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.strip(first + i, signal)),
    );
    for (let i = 0; i < strips.length; i++) {
      const s = strips[i];
      const sRow0 = (first + i) * this.rowsPerStrip;
      const from = Math.max(r0, sRow0);
      const to = Math.min(r1, sRow0 + s.height);
      for (let row = from; row < to; row++) {
        const src = ((row - sRow0) * s.width + x0) * 4;
        out.set(s.data.subarray(src, src + w * 4), (row - r0) * t * 4);
      }
    }
    return { width: t, height: t, data: out };
  }

  /**
   * Strip i decoded to RGBA (full width), shared by concurrent tiles and kept in the LRU. The
   * shared decode is not tied to any one tile's signal (one tile giving up must not fail the
   * others); each tile stops waiting on its own.
   */
  private async strip(i: number, signal: AbortSignal): Promise<RgbaImage> {
    throwIfAborted(signal);
    const hit = this.strips.get(i);
    if (hit) return Promise.resolve(hit);
    let p = this.pending.get(i);
    if (!p) {
      p = this.loadStrip(i).finally(() => this.pending.delete(i));
      this.pending.set(i, p);
      p.then(
        (img) => this.strips.set(i, img),
        () => {},
      );
    }
    const img = await p;
    throwIfAborted(signal);
    return img;
  }

  private async loadStrip(i: number): Promise<RgbaImage> {
    const rows = Math.min(this.rowsPerStrip, this.height - i * this.rowsPerStrip);
    const offset = this.lv.tileOffsets[i];
    const count = this.lv.tileByteCounts[i];
    if (!count || !offset) {
      return {
        width: this.width,
        height: rows,
        data: new Uint8ClampedArray(this.width * rows * 4).fill(255),
      };
    }
    if (count > this.limits.maxCompressedTileBytes) {
      throw new SlideError(
        'allocation-limit',
        `A strip claims ${Math.round(count / 2 ** 20)} MB of compressed data (limit ${Math.round(this.limits.maxCompressedTileBytes / 2 ** 20)} MB); the file is damaged or hostile.`,
      );
    }
    const size = this.source.size;
    if (size !== null && offset + count > size) {
      throw new SlideError(
        'truncated',
        `The file ${this.name} seems truncated: strip ${i} lies beyond its end (file size ${size} bytes).`,
      );
    }
    const bytes = await this.source.read(offset, count);
    if (bytes.byteLength < count) {
      throw new SlideError('truncated', `The file ${this.name} seems truncated: strip ${i} is cut short.`);
    }
    this.counters.bytesRead += count;
    const f: TileFormat = { ...tileFormat(this.lv), tileWidth: this.width, tileHeight: rows };
    const t0 = now();
    const img = await getTileDecoder(this.lv.compression)(bytes, f, this.env);
    this.counters.noteDecode(now() - t0);
    return img;
  }
}
