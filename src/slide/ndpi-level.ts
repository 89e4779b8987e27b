// One NDPI level as virtual tiles. The level is one JPEG whose restart segments form a grid
// (a segment is R MCUs of one MCU row, or whole rows). A tile is a rectangle of whole segments,
// cut out of the stream and decoded through the app's JPEG decoder as a JPEG of its own, so a
// level is never decoded whole:
// - narrow segments (≤ 512 px): a tile is exactly k × m segments, so its stream also serves the
//   viewer's bitmap fast path;
// - wide segments (a segment per row, as many scanners write): a tile is 512 px of a band of
//   segment rows; the band is decoded once and shared through an LRU under maxStripCacheBytes.
// A level without McuStarts but with restart markers finds its segments by scanning its stream
// for them (ndpi-restart-scan.ts), as far as the tiles asked for reach; one without restart
// markers is decoded whole, only when it is small.

import type { LRUCache } from 'lru-cache';
import type { ByteSource } from './byte-source';
import { fitToTile } from './decoders/decoder-registry';
import type { JpegDecoder } from './decoders/jpeg-decoder';
import type { LevelTiles, TileCounters } from './level-tiles';
import { assembleSegments, type JpegFrame, patchedHeader } from './ndpi-jpeg';
import { RestartIndex } from './ndpi-restart-scan';
import type { NdpiLevelInfo } from './ndpi-structure';
import { SlideError, throwIfAborted } from './slide-error';
import type { SlideLimits } from './slide-limits';
import type { RgbaImage } from './slide-types';

const TARGET = 512;
/** a JPEG frame header stores its size in 16 bits */
const JPEG_MAX_SIDE = 65_535;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The restart segments as a grid; null where they do not form one (or there are none). */
export interface SegmentGrid {
  across: number;
  rows: number;
  /** pixel size of one segment (the last column or row may reach past the image) */
  segWidth: number;
  segHeight: number;
}

export function segmentGrid(frame: JpegFrame, width: number, height: number): SegmentGrid | null {
  const r = frame.restartInterval;
  if (r <= 0) return null;
  const mcusAcross = Math.ceil(width / frame.mcuWidth);
  const mcusDown = Math.ceil(height / frame.mcuHeight);
  if (mcusAcross % r === 0) {
    return {
      across: mcusAcross / r,
      rows: mcusDown,
      segWidth: r * frame.mcuWidth,
      segHeight: frame.mcuHeight,
    };
  }
  if (r % mcusAcross === 0) {
    const rowsPer = r / mcusAcross;
    return {
      across: 1,
      rows: Math.ceil(mcusDown / rowsPer),
      segWidth: mcusAcross * frame.mcuWidth,
      segHeight: rowsPer * frame.mcuHeight,
    };
  }
  return null;
}

type Mode = 'segments' | 'bands' | 'whole';

export interface NdpiLevelParts {
  info: NdpiLevelInfo;
  frame: JpegFrame;
  index: number;
  source: ByteSource;
  jpeg: JpegDecoder;
  limits: SlideLimits;
  counters: TileCounters;
  /** decoded bands and whole levels of this slide, bounded by maxStripCacheBytes */
  bands: LRUCache<string, RgbaImage>;
  name: string;
}

export class NdpiLevel implements LevelTiles {
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly mode: Mode;
  private readonly grid: SegmentGrid | null;
  /** segment columns per tile (mode 'segments') and segment rows per tile */
  private readonly colsPerTile: number;
  private readonly rowsPerTile: number;
  private readonly pending = new Map<string, Promise<RgbaImage>>();
  private readonly what: string;
  /** where each restart segment starts: McuStarts, or found by the scan */
  private readonly starts: ArrayLike<number> | null;
  private scan: RestartIndex | null = null;

  constructor(private readonly p: NdpiLevelParts) {
    const { info, frame, limits, name, index } = p;
    this.width = info.width;
    this.height = info.height;
    this.what = `${name} (Hamamatsu NDPI, level ${index})`;
    const grid = segmentGrid(frame, info.width, info.height);
    this.starts = info.mcuStarts;
    if (grid && info.mcuStarts && grid.across * grid.rows !== info.mcuStarts.length) {
      throw new SlideError(
        'corrupt',
        `${this.what} is damaged: its McuStarts list ${info.mcuStarts.length} restart segments, but its JPEG has ${grid.across * grid.rows}.`,
      );
    }
    this.grid = grid;
    if (!grid) {
      // no segments to cut: the whole JPEG is the only unit, allowed only when it is small
      const bytes = info.width * info.height * 4;
      if (bytes > limits.maxStripCacheBytes) {
        throw new SlideError(
          'allocation-limit',
          `${this.what} has no restart segments to cut tiles from, and decoding its ${info.width}×${info.height} pixels whole would need ${Math.round(bytes / 2 ** 20)} MB, more than the ${Math.round(limits.maxStripCacheBytes / 2 ** 20)} MB limit.`,
        );
      }
      this.mode = 'whole';
      this.tileWidth = this.tileHeight = TARGET;
      this.colsPerTile = this.rowsPerTile = 1;
      return;
    }
    let rows = Math.max(1, Math.round(TARGET / grid.segHeight));
    if (grid.segWidth <= TARGET) {
      this.mode = 'segments';
      this.colsPerTile = Math.max(1, Math.round(TARGET / grid.segWidth));
      this.tileWidth = this.colsPerTile * grid.segWidth;
    } else {
      this.mode = 'bands';
      this.colsPerTile = 0;
      this.tileWidth = TARGET;
      // a band spans at most two segments across; keep one band well inside the cache
      const rowBytes = 2 * grid.segWidth * grid.segHeight * 4;
      rows = Math.min(rows, Math.floor(limits.maxStripCacheBytes / 2 / rowBytes));
      if (rows < 1 || 2 * grid.segWidth > JPEG_MAX_SIDE) {
        throw new SlideError(
          'allocation-limit',
          `${this.what} has restart segments of ${grid.segWidth}×${grid.segHeight} pixels, too wide to decode under the ${Math.round(limits.maxStripCacheBytes / 2 ** 20)} MB band limit.`,
        );
      }
    }
    this.rowsPerTile = rows;
    this.tileHeight = rows * grid.segHeight;
  }

  async decodeTile(x: number, y: number, signal: AbortSignal): Promise<RgbaImage> {
    if (this.mode === 'segments') {
      const stream = await this.tileStream(x, y, signal);
      throwIfAborted(signal);
      const t0 = now();
      const img = await this.p.jpeg.decode(stream, signal);
      this.p.counters.noteDecode(now() - t0);
      return fitToTile(img, this.tileWidth, this.tileHeight);
    }
    const band = this.bandOf(x, y);
    const img = await this.shared(band.key, () => this.loadBand(band), signal);
    return cropTile(
      img,
      x * this.tileWidth - band.x0,
      y * this.tileHeight - band.y0,
      this.tileWidth,
      this.tileHeight,
    );
  }

  async jpegStream(x: number, y: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    return this.mode === 'segments' ? this.tileStream(x, y, signal) : null;
  }

  // ---- internals ----

  /**
   * Where segments 0..k start: McuStarts, or the scan for restart markers, which reads the
   * stream only as far as segment k (one index per level, shared by its tiles).
   */
  private segmentStarts(k: number, signal?: AbortSignal): Promise<ArrayLike<number>> | ArrayLike<number> {
    if (this.starts) return this.starts;
    const g = this.grid as SegmentGrid;
    this.scan ??= new RestartIndex({
      source: this.p.source,
      offset: this.p.info.offset,
      length: this.p.info.length,
      first: this.p.frame.header.byteLength,
      expected: g.across * g.rows,
      limits: this.p.limits,
      what: this.what,
      onRead: (n) => {
        this.p.counters.bytesRead += n;
      },
    });
    return this.scan.through(k, signal);
  }

  /** Mode 'segments': the tile's segments as one JPEG. */
  private tileStream(x: number, y: number, signal?: AbortSignal): Promise<Uint8Array> {
    const g = this.grid as SegmentGrid;
    const c0 = x * this.colsPerTile;
    const r0 = y * this.rowsPerTile;
    return this.unitStream(
      c0,
      Math.min(g.across, c0 + this.colsPerTile),
      r0,
      Math.min(g.rows, r0 + this.rowsPerTile),
      signal,
    );
  }

  /** Mode 'bands' and 'whole': the decoded unit a tile lies in, and where it starts. */
  private bandOf(
    x: number,
    y: number,
  ): { key: string; c0: number; c1: number; r0: number; r1: number; x0: number; y0: number } {
    const g = this.grid;
    if (!g) return { key: `${this.p.index}/whole`, c0: 0, c1: 0, r0: 0, r1: 0, x0: 0, y0: 0 };
    const c0 = Math.floor((x * this.tileWidth) / g.segWidth);
    const c1 = Math.min(g.across, Math.ceil(Math.min(this.width, (x + 1) * this.tileWidth) / g.segWidth));
    const r0 = y * this.rowsPerTile;
    const r1 = Math.min(g.rows, r0 + this.rowsPerTile);
    return {
      key: `${this.p.index}/${c0}-${c1}/${r0}`,
      c0,
      c1,
      r0,
      r1,
      x0: c0 * g.segWidth,
      y0: r0 * g.segHeight,
    };
  }

  private async loadBand(b: { c0: number; c1: number; r0: number; r1: number }): Promise<RgbaImage> {
    const stream = this.grid ? await this.unitStream(b.c0, b.c1, b.r0, b.r1) : await this.wholeStream();
    const t0 = now();
    const img = await this.p.jpeg.decode(stream);
    this.p.counters.noteDecode(now() - t0);
    return img;
  }

  /**
   * A decode shared by the tiles of one band and kept in the LRU. It is not tied to one tile's
   * signal (one tile giving up must not fail the others); each tile stops waiting on its own.
   */
  private async shared(key: string, load: () => Promise<RgbaImage>, signal: AbortSignal): Promise<RgbaImage> {
    throwIfAborted(signal);
    const hit = this.p.bands.get(key);
    if (hit) return hit;
    let p = this.pending.get(key);
    if (!p) {
      p = load().finally(() => this.pending.delete(key));
      this.pending.set(key, p);
      p.then(
        (img) => this.p.bands.set(key, img),
        () => {},
      );
    }
    const img = await p;
    throwIfAborted(signal);
    return img;
  }

  /** The JPEG of segment columns [c0, c1) × rows [r0, r1), with its SOF patched to its size. */
  private async unitStream(
    c0: number,
    c1: number,
    r0: number,
    r1: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const g = this.grid as SegmentGrid;
    // one read per segment row, or one for all of them when the unit spans the level's width
    const spans: [number, number][] = [];
    if (c0 === 0 && c1 === g.across) spans.push([r0 * g.across, r1 * g.across - 1]);
    else for (let r = r0; r < r1; r++) spans.push([r * g.across + c0, r * g.across + c1 - 1]);
    // the last segment ends where the next one starts
    const starts = await this.segmentStarts(spans[spans.length - 1][1] + 1, signal);
    const ends = (i: number) => (i + 1 < starts.length ? starts[i + 1] : this.p.info.length);
    let total = 0;
    for (const [a, b] of spans) total += ends(b) - starts[a];
    if (total > this.p.limits.maxCompressedTileBytes) {
      throw new SlideError(
        'allocation-limit',
        `${this.what}: a tile's restart segments claim ${Math.round(total / 2 ** 20)} MB (limit ${Math.round(this.p.limits.maxCompressedTileBytes / 2 ** 20)} MB); the file is damaged or hostile.`,
      );
    }
    // each span is read with the 2 bytes before it: the restart marker its first segment follows
    const chunks = await Promise.all(
      spans.map(([a, b]) => {
        const from = a > 0 ? starts[a] - 2 : starts[a];
        return this.read(from, ends(b) - from, signal);
      }),
    );
    const segments: Uint8Array[] = [];
    spans.forEach(([a, b], k) => {
      let base = starts[a];
      if (a > 0) {
        const c = chunks[k];
        if (!(c[0] === 0xff && c[1] >= 0xd0 && c[1] <= 0xd7)) {
          throw new SlideError(
            'corrupt',
            `${this.what} is damaged: its McuStarts do not point at restart segments (entry ${a} does not follow a restart marker).`,
          );
        }
        base -= 2;
      }
      for (let i = a; i <= b; i++)
        segments.push(
          this.segmentBytes(chunks[k], starts[i] - base, ends(i) - base, i === starts.length - 1),
        );
    });
    const w = Math.min(this.width - c0 * g.segWidth, (c1 - c0) * g.segWidth);
    const h = Math.min(this.height - r0 * g.segHeight, (r1 - r0) * g.segHeight);
    return assembleSegments(patchedHeader(this.p.frame, w, h), segments, this.what);
  }

  /** A segment's bytes, ending with its marker; the level's last may lack its EOI. */
  private segmentBytes(chunk: Uint8Array, from: number, to: number, last: boolean): Uint8Array {
    const s = chunk.subarray(from, to);
    if (!last || (s.byteLength >= 2 && s[s.byteLength - 2] === 0xff && s[s.byteLength - 1] === 0xd9))
      return s;
    const out = new Uint8Array(s.byteLength + 2);
    out.set(s);
    out.set([0xff, 0xd9], s.byteLength);
    return out;
  }

  /** Mode 'whole': the level's JPEG as stored, its SOF set to the TIFF's size. */
  private async wholeStream(): Promise<Uint8Array> {
    const bytes = (await this.read(0, this.p.info.length)).slice();
    const at = this.p.frame.sofSizeAt;
    bytes.set(patchedHeader(this.p.frame, this.width, this.height).subarray(at, at + 4), at);
    return bytes;
  }

  /** `length` bytes at `at` within the level's stream, checked against the file. */
  private async read(at: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (length > this.p.limits.maxCompressedTileBytes) {
      throw new SlideError(
        'allocation-limit',
        `${this.what} would need ${Math.round(length / 2 ** 20)} MB of compressed data read at once (limit ${Math.round(this.p.limits.maxCompressedTileBytes / 2 ** 20)} MB).`,
      );
    }
    const bytes = await this.p.source.read(this.p.info.offset + at, length, signal);
    if (bytes.byteLength < length) {
      throw new SlideError(
        'truncated',
        `The file ${this.p.name} seems truncated: NDPI level ${this.p.index} is cut short.`,
      );
    }
    this.p.counters.bytesRead += length;
    return bytes;
  }
}

/** The tile at (x0, y0) of a decoded unit, padded white to tw × th, opaque. */
function cropTile(img: RgbaImage, x0: number, y0: number, tw: number, th: number): RgbaImage {
  const out = new Uint8ClampedArray(tw * th * 4).fill(255);
  const w = Math.max(0, Math.min(tw, img.width - x0));
  const h = Math.max(0, Math.min(th, img.height - y0));
  for (let y = 0; y < h; y++) {
    const s = ((y0 + y) * img.width + x0) * 4;
    out.set(img.data.subarray(s, s + w * 4), y * tw * 4);
  }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return { width: tw, height: th, data: out };
}
