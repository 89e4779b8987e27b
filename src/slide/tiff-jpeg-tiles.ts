// The JPEG fast paths of a tiled TIFF level: a tile as one complete JPEG stream (tables spliced
// in, Adobe marker for RGB), or as Blob parts that leave the tile's bytes in the file.

import type { ByteSource } from './byte-source';
import { jpegStreamFor, type TileFormat } from './decoders/decoder-registry';
import { jpegStreamPrefix } from './decoders/jpeg-stream';
import { Compression, Photometric } from './tiff-tags';

/** Whether tiles of this format may take the fast paths (new-style JPEG only). */
export function isFastJpeg(f: TileFormat): boolean {
  return f.compression === Compression.Jpeg;
}

/** The tile's bytes as a complete stream. */
export function tiffJpegStream(bytes: Uint8Array, f: TileFormat): Uint8Array {
  return jpegStreamFor(bytes, f);
}

/**
 * The stream as Blob parts: SOI + tables, then the tile from its second byte on, still in the file.
 * Null where the source is not a local file or the tiles are RGB (their Adobe marker depends on
 * the tile's own bytes).
 */
export function tiffJpegParts(
  source: ByteSource,
  f: TileFormat,
  where: { offset: number; count: number },
): BlobPart[] | null {
  if (!source.slice) return null;
  const rgb = f.photometric === Photometric.Rgb && f.samplesPerPixel === 3;
  const prefix = jpegStreamPrefix(f.jpegTables, rgb);
  if (!prefix) return null;
  return [prefix as Uint8Array<ArrayBuffer>, source.slice(where.offset + 2, where.offset + where.count)];
}
