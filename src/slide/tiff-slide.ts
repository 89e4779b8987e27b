// Tiled TIFF levels (generic TIFF, Aperio SVS, OME-TIFF): tile (x, y) is TileOffsets[i] /
// TileByteCounts[i] of the level's IFD, decoded by the registry's codec for its compression.
// Everything above one level (synthetic levels, readRegion, caching) is PyramidSlide's.

import { getTileDecoder, type TileFormat } from './decoders/decoder-registry';
import type { LevelTiles } from './level-tiles';
import { SlideError, throwIfAborted } from './slide-error';
import type { RgbaImage } from './slide-types';
import { isFastJpeg, tiffJpegParts, tiffJpegStream } from './tiff-jpeg-tiles';
import { TiffLevel, tileFormat } from './tiff-level';

export type { JpegTileParts, JpegTileStream, SlideReader, SlideStats } from './slide-reader';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class TiffTileLevel extends TiffLevel implements LevelTiles {
  readonly tileWidth = this.lv.tileWidth;
  readonly tileHeight = this.lv.tileHeight;
  private readonly format: TileFormat = tileFormat(this.lv);

  async decodeTile(x: number, y: number, signal: AbortSignal): Promise<RgbaImage | null> {
    const bytes = await this.readTileBytes(x, y, signal);
    if (!bytes) return null; // missing tile: background
    throwIfAborted(signal);
    const t0 = now();
    const img = await getTileDecoder(this.lv.compression)(bytes, this.format, this.env, signal);
    this.counters.noteDecode(now() - t0);
    return img;
  }

  async jpegStream(x: number, y: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    if (!isFastJpeg(this.format)) return null;
    const bytes = await this.readTileBytes(x, y, signal);
    return bytes && tiffJpegStream(bytes, this.format);
  }

  jpegParts(x: number, y: number): BlobPart[] | null {
    if (!isFastJpeg(this.format) || !this.source.slice) return null;
    const where = this.tileExtent(x, y);
    const parts = where && tiffJpegParts(this.source, this.format, where);
    if (parts && where) this.counters.bytesRead += where.count;
    return parts;
  }

  /** Where a tile's bytes lie, checked against the limits; null for a missing tile. */
  private tileExtent(x: number, y: number): { offset: number; count: number } | null {
    const lv = this.lv;
    const i = y * lv.tilesAcross + x;
    const offset = lv.tileOffsets[i];
    const count = lv.tileByteCounts[i];
    if (!count || !offset) return null;
    if (count > this.limits.maxCompressedTileBytes) {
      throw new SlideError(
        'allocation-limit',
        `A tile claims ${Math.round(count / 2 ** 20)} MB of compressed data (limit ${Math.round(this.limits.maxCompressedTileBytes / 2 ** 20)} MB); the file is damaged or hostile.`,
      );
    }
    const size = this.source.size;
    if (size !== null && offset + count > size) {
      throw new SlideError(
        'truncated',
        `The file ${this.name} seems truncated: tile (${x}, ${y}) lies beyond its end (file size ${size} bytes).`,
      );
    }
    return { offset, count };
  }

  /** The compressed bytes of a tile, checked against the limits; null for a missing tile. */
  private async readTileBytes(x: number, y: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    const where = this.tileExtent(x, y);
    if (!where) return null;
    const { offset, count } = where;
    const bytes = await this.source.read(offset, count, signal);
    if (bytes.byteLength < count) {
      throw new SlideError(
        'truncated',
        `The file ${this.name} seems truncated: tile (${x}, ${y}) is cut short.`,
      );
    }
    this.counters.bytesRead += count;
    return bytes;
  }
}
