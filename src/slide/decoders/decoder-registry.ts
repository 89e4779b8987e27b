// Tile decoders keyed by TIFF compression code. Each returns a tile-sized RGBA image.

import { isSlideError, SlideError } from '../slide-error';
import type { RgbaImage } from '../slide-types';
import { Compression, compressionName, describeCompression, Photometric } from '../tiff-tags';
import { type DecoderPool, POOL_COMPRESSIONS } from './geotiff-pool';
import { decodeJpeg2000 } from './jp2k-decoder';
import type { JpegDecoder } from './jpeg-decoder';
import { buildJpegStream, isJpegStart } from './jpeg-stream';

/**
 * geotiff's getDecoder, loaded on the first tile that needs one of its codecs: geotiff is most of
 * the slide worker's script (260 of 410 kB), which a JPEG slide (the native decoder) never uses,
 * and which a deep link's first view waited for (fetched, decoded, compiled and run before the open).
 * LZW decoded here (Node, or the slide worker without a pool) is bounded too.
 */
let geotiffDecoders: Promise<typeof import('geotiff')['getDecoder']> | null = null;
function loadGetDecoder(): Promise<typeof import('geotiff')['getDecoder']> {
  geotiffDecoders ??= Promise.all([import('geotiff'), import('./lzw-geotiff')]).then(([geotiff, lzw]) => {
    lzw.installBoundedLzw();
    return geotiff.getDecoder;
  });
  return geotiffDecoders;
}

export interface TileFormat {
  compression: number;
  tileWidth: number;
  tileHeight: number;
  samplesPerPixel: number;
  photometric: number;
  predictor: number;
  jpegTables: Uint8Array | undefined;
}

export interface DecoderEnv {
  jpeg: JpegDecoder;
  /** browser URL of openjpegwasm_decode.wasm */
  openjpegWasmUrl?: string;
  /** geotiff's worker pool, for the codecs in POOL_COMPRESSIONS; without one they decode here */
  pool?: DecoderPool;
}

export type TileDecoder = (
  bytes: Uint8Array,
  f: TileFormat,
  env: DecoderEnv,
  signal?: AbortSignal,
) => Promise<RgbaImage>;

/** A tile's bytes as a complete JPEG stream: tables spliced in, Adobe marker for RGB photometric. */
export function jpegStreamFor(bytes: Uint8Array, f: TileFormat): Uint8Array {
  if (f.compression === Compression.OldJpeg && !isJpegStart(bytes)) {
    throw new SlideError(
      'unsupported-compression',
      'This slide uses old-style JPEG (TIFF compression 6) without complete JPEG streams per tile, which is not supported.',
    );
  }
  return buildJpegStream(bytes, f.jpegTables, f.photometric === Photometric.Rgb && f.samplesPerPixel === 3);
}

const decodeJpeg: TileDecoder = async (bytes, f, env, signal) => {
  const img = await env.jpeg.decode(jpegStreamFor(bytes, f), signal);
  return fitToTile(img, f.tileWidth, f.tileHeight, true);
};

const decodeWithGeotiff: TileDecoder = async (bytes, f, env) => {
  const parameters = {
    tileWidth: f.tileWidth,
    tileHeight: f.tileHeight,
    planarConfiguration: 1,
    bitsPerSample: Array(f.samplesPerPixel).fill(8),
    predictor: f.predictor,
    samplesPerPixel: f.samplesPerPixel,
  };
  const decoder =
    env.pool && POOL_COMPRESSIONS.has(f.compression)
      ? env.pool.bindParameters(f.compression, parameters)
      : await (await loadGetDecoder())(f.compression, parameters);
  let raw: ArrayBufferLike;
  try {
    const copy = bytes.slice().buffer; // decoders may keep or transfer the buffer
    raw = await decoder.decode(copy);
  } catch (e) {
    if (isSlideError(e)) throw e;
    const why = String(e instanceof Error ? e.message : e).replace(/\.$/, '');
    throw new SlideError(
      'decode-failed',
      `A ${compressionName(f.compression)} tile could not be decoded: ${why}.`,
      { cause: e },
    );
  }
  return samplesToRgba(new Uint8Array(raw), f.tileWidth, f.tileHeight, f.samplesPerPixel, f.photometric);
};

const decodeJp2k: TileDecoder = async (bytes, f, env) => {
  const s = await decodeJpeg2000(bytes, f.compression === Compression.Jp2kAperioYcbcr, env.openjpegWasmUrl, {
    width: f.tileWidth,
    height: f.tileHeight,
  });
  const img = samplesToRgba(s.data, s.width, s.height, s.components, s.components >= 3 ? 2 : 1);
  return fitToTile(img, f.tileWidth, f.tileHeight);
};

const REGISTRY = new Map<number, TileDecoder>([
  [Compression.None, decodeWithGeotiff],
  [Compression.Lzw, decodeWithGeotiff],
  [Compression.Deflate, decodeWithGeotiff],
  [Compression.DeflateLegacy, decodeWithGeotiff],
  [Compression.PackBits, decodeWithGeotiff],
  [Compression.OldJpeg, decodeJpeg],
  [Compression.Jpeg, decodeJpeg],
  [Compression.Jp2kAperioYcbcr, decodeJp2k],
  [Compression.Jp2kAperioRgb, decodeJp2k],
]);

export function getTileDecoder(compression: number): TileDecoder {
  const d = REGISTRY.get(compression);
  if (!d) {
    throw new SlideError(
      'unsupported-compression',
      `This slide uses ${describeCompression(compression)}, which this viewer cannot decode.`,
    );
  }
  return d;
}

/** Interleaved 8-bit samples (grey, RGB or RGBA) → RGBA with opaque alpha. */
export function samplesToRgba(
  src: Uint8Array,
  width: number,
  height: number,
  spp: number,
  photometric: number,
): RgbaImage {
  const n = width * height;
  if (src.byteLength < n * spp) {
    throw new SlideError(
      'decode-failed',
      `A tile decoded to ${src.byteLength} bytes, fewer than its ${width}×${height} pixels need.`,
    );
  }
  const out = new Uint8ClampedArray(n * 4);
  if (spp === 1) {
    const invert = photometric === 0;
    for (let i = 0; i < n; i++) {
      const v = invert ? 255 - src[i] : src[i];
      out[i * 4] = v;
      out[i * 4 + 1] = v;
      out[i * 4 + 2] = v;
      out[i * 4 + 3] = 255;
    }
  } else {
    for (let i = 0; i < n; i++) {
      out[i * 4] = src[i * spp];
      out[i * 4 + 1] = src[i * spp + 1];
      out[i * 4 + 2] = src[i * spp + 2];
      out[i * 4 + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/**
 * Pads (white) or crops a decoded image to exactly the tile size, with opaque alpha. `opaque`: the
 * decoder's alpha is already 255 (JpegDecoder's contract), so a tile of the right size is returned
 * as it is (the alpha pass took 10 % of a deep link's worker time).
 */
export function fitToTile(img: RgbaImage, tw: number, th: number, opaque = false): RgbaImage {
  if (img.width === tw && img.height === th) {
    if (!opaque) for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
    return img;
  }
  const out = new Uint8ClampedArray(tw * th * 4).fill(255);
  const w = Math.min(tw, img.width);
  const h = Math.min(th, img.height);
  for (let y = 0; y < h; y++) {
    out.set(img.data.subarray(y * img.width * 4, y * img.width * 4 + w * 4), y * tw * 4);
  }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return { width: tw, height: th, data: out };
}
