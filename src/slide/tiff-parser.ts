// A TIFF/BigTIFF directory parser written for untrusted input: every offset is bounds-checked,
// IFD offsets are remembered to break cycles, and counts are capped by SlideLimits.
// It reads directories and tag values only; pixel data is read later, tile by tile.

import type { BlockCache } from './block-cache';
import { SlideError } from './slide-error';
import type { SlideLimits } from './slide-limits';
import { Tag, TYPE_SIZE } from './tiff-tags';

export type TagValue = number[] | string | Uint8Array;

export interface TiffIfd {
  /** file offset of this IFD */
  offset: number;
  /** index in the main chain; SubIFDs carry their parent's index */
  index: number;
  /** -1 for main-chain IFDs; position within the parent's SubIFDs otherwise */
  subIndex: number;
  tags: Map<number, TagValue>;
  subIfds: TiffIfd[];
}

export interface TiffFile {
  littleEndian: boolean;
  bigTiff: boolean;
  /**
   * Hamamatsu NDPI: classic TIFF with 64-bit offsets. The first-IFD offset is 8 bytes, each IFD's
   * next pointer is 8 bytes, and after it come the high 4 bytes of every entry's value/offset.
   */
  ndpi: boolean;
  ifds: TiffIfd[];
}

interface Ctx {
  cache: BlockCache;
  le: boolean;
  big: boolean;
  ndpi: boolean;
  limits: SlideLimits;
  visited: Set<number>;
  ifdCount: number;
  signal?: AbortSignal;
  size: number | null;
  name: string;
}

function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}
function u32(b: Uint8Array, o: number, le: boolean): number {
  return new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, le);
}
function u64(b: Uint8Array, o: number, le: boolean, what: string): number {
  const v = new DataView(b.buffer, b.byteOffset + o, 8).getBigUint64(0, le);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SlideError('corrupt', `The file is damaged: ${what} is out of range.`);
  }
  return Number(v);
}

async function readExact(ctx: Ctx, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset < 0 || !Number.isSafeInteger(offset)) {
    throw new SlideError('corrupt', `The file is damaged: ${what} points outside the file.`);
  }
  if (ctx.size !== null && offset + length > ctx.size) {
    throw new SlideError(
      'truncated',
      `The file ${ctx.name} seems truncated: ${what} lies beyond its end (offset ${offset}, file size ${ctx.size} bytes).`,
    );
  }
  const b = await ctx.cache.read(offset, length, ctx.signal);
  if (b.byteLength < length) {
    throw new SlideError('truncated', `The file ${ctx.name} seems truncated: ${what} lies beyond its end.`);
  }
  return b;
}

export async function parseTiff(
  cache: BlockCache,
  limits: SlideLimits,
  signal?: AbortSignal,
  name = cache.source.name,
): Promise<TiffFile> {
  const size = cache.source.size;
  const head = await cache.read(0, 16, signal);
  if (head.byteLength === 0) throw new SlideError('empty-file', `The file ${name} is empty (0 bytes).`);
  const bo = String.fromCharCode(head[0], head[1] ?? 0);
  if (bo !== 'II' && bo !== 'MM') throw await notTiff(name, head, cache, signal);
  const le = bo === 'II';
  if (head.byteLength < 8) throw new SlideError('truncated', `The file ${name} is too short to be a TIFF.`);
  const magic = u16(head, 2, le);
  let big: boolean;
  let first: number;
  let ndpi = false;
  const ctx: Ctx = {
    cache,
    le,
    big: false,
    ndpi,
    limits,
    visited: new Set(),
    ifdCount: 0,
    signal,
    size,
    name,
  };
  if (magic === 42) {
    big = false;
    first = u32(head, 4, le);
    // NDPI: the offset is 8 bytes; its directory carries Hamamatsu's format flag (tag 65420)
    if (head.byteLength >= 12) {
      const wide = first + u32(head, 8, le) * 2 ** 32;
      if (await isNdpiDirectory(ctx, wide)) {
        ndpi = true;
        first = wide;
      }
    }
  } else if (magic === 43) {
    if (head.byteLength < 16)
      throw new SlideError('truncated', `The file ${name} is too short to be a BigTIFF.`);
    if (u16(head, 4, le) !== 8)
      throw new SlideError('corrupt', `The file ${name} has an invalid BigTIFF header.`);
    big = true;
    first = u64(head, 8, le, 'the first IFD offset');
  } else {
    throw await notTiff(name, head, cache, signal);
  }
  ctx.big = big;
  ctx.ndpi = ndpi;
  const ifds: TiffIfd[] = [];
  let next = first;
  while (next !== 0) {
    signal?.throwIfAborted();
    const { ifd, nextOffset } = await readIfd(ctx, next, ifds.length, -1);
    ifds.push(ifd);
    next = nextOffset;
  }
  if (ifds.length === 0) throw new SlideError('corrupt', `The TIFF file ${name} contains no images.`);
  return { littleEndian: le, bigTiff: big, ndpi, ifds };
}

/** Whether a classic TIFF directory at `offset` holds NDPI's format flag; false on any doubt. */
async function isNdpiDirectory(ctx: Ctx, offset: number): Promise<boolean> {
  if (!Number.isSafeInteger(offset) || offset < 8) return false;
  if (ctx.size === null ? offset >= 2 ** 32 : offset + 2 > ctx.size) return false;
  try {
    const cb = await ctx.cache.read(offset, 2, ctx.signal);
    if (cb.byteLength < 2) return false;
    const n = u16(cb, 0, ctx.le);
    if (n === 0 || n > ctx.limits.maxTagsPerIfd) return false;
    if (ctx.size !== null && offset + 2 + n * 12 > ctx.size) return false;
    const body = await ctx.cache.read(offset + 2, n * 12, ctx.signal);
    for (let i = 0; i + 12 <= body.byteLength; i += 12) {
      if (u16(body, i, ctx.le) === Tag.NdpiFormatFlag) return true;
    }
  } catch (e) {
    if (ctx.signal?.aborted) throw e;
  }
  return false;
}

async function notTiff(
  name: string,
  head: Uint8Array,
  cache: BlockCache,
  signal?: AbortSignal,
): Promise<SlideError> {
  let dicom = false;
  try {
    const d = await cache.read(128, 4, signal);
    dicom = d.byteLength === 4 && String.fromCharCode(...d) === 'DICM';
  } catch {
    // a short file is simply not DICOM
  }
  return new SlideError('not-tiff', describeNonTiff(name, head, dicom));
}

/** What would open a format we refuse: convert it to something that opens here. */
export const CONVERT_HINT =
  'Convert it to a tiled pyramidal TIFF with vips (vips tiffsave <slide> out.tif --tile --pyramid --compression jpeg) or to DICOM with OrthancWSIDicomizer, then open that.';

function describeNonTiff(name: string, head: Uint8Array, dicom: boolean): string {
  const lower = name.toLowerCase();
  if (dicom || lower.endsWith('.dcm')) {
    return `${name} is a DICOM file. DICOM whole-slide images are not supported yet; convert the slide to a tiled pyramidal TIFF (e.g. with libvips or bfconvert).`;
  }
  const text = String.fromCharCode(...head.subarray(0, 16));
  if (lower.endsWith('.mrxs') || text.startsWith('[GENERAL]')) {
    return `${name} looks like a 3DHISTECH MIRAX (MRXS) slide, which this viewer cannot open. ${CONVERT_HINT} An .mrxs file needs its data folder: the folder of the same name beside it (Slidedat.ini and Data*.dat), copied along with it.`;
  }
  if (lower.endsWith('.czi') || text.startsWith('ZISRAWFILE')) {
    return `${name} is a Zeiss CZI slide, which this viewer cannot open. ${CONVERT_HINT}`;
  }
  if (/^\s*<(!doctype html|html|\?xml|head|body)/i.test(text)) {
    return `${name} is a web page or XML document, not a slide (a wrong address or a server error page?).`;
  }
  const kinds: [number[], string][] = [
    [[0xff, 0xd8, 0xff], 'a JPEG image'],
    [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
    [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive'],
    [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
    [[0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50], 'a JPEG 2000 image'],
  ];
  for (const [sig, kind] of kinds) {
    if (sig.every((v, i) => head[i] === v)) {
      return `${name} is ${kind}, not a TIFF slide. Open a pyramidal or striped TIFF, Aperio SVS, OME-TIFF, Philips TIFF, or a PNG, JPEG, BMP or WebP image.`;
    }
  }
  return `${name} is not a TIFF file (it does not start with a TIFF header). Open a pyramidal or striped TIFF, Aperio SVS, OME-TIFF, Philips TIFF, or a PNG, JPEG, BMP or WebP image.`;
}

async function readIfd(
  ctx: Ctx,
  offset: number,
  index: number,
  subIndex: number,
): Promise<{ ifd: TiffIfd; nextOffset: number }> {
  const { le, big, ndpi, limits } = ctx;
  if (ctx.visited.has(offset)) {
    throw new SlideError(
      'ifd-cycle',
      `The file ${ctx.name} is damaged: its image directories form a loop (directory at offset ${offset} is referenced twice).`,
    );
  }
  ctx.visited.add(offset);
  if (++ctx.ifdCount > limits.maxIfds) {
    throw new SlideError(
      'too-many-ifds',
      `The file ${ctx.name} has more than ${limits.maxIfds} image directories; refusing to read further.`,
    );
  }
  const countBytes = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const cb = await readExact(ctx, offset, countBytes, 'an image directory');
  const n = big ? u64(cb, 0, le, 'a directory entry count') : u16(cb, 0, le);
  if (n === 0)
    throw new SlideError('corrupt', `The file ${ctx.name} is damaged: an image directory is empty.`);
  if (n > limits.maxTagsPerIfd) {
    throw new SlideError(
      'tag-limit',
      `The file ${ctx.name} is damaged or hostile: an image directory claims ${n} entries (limit ${limits.maxTagsPerIfd}).`,
    );
  }
  // NDPI: an 8-byte next pointer, then the high 4 bytes of each entry's value/offset field
  // (a directory that ends the file without them is read without: its high bytes are zero)
  let highs = ndpi;
  let bodyLength = n * entrySize + (big || ndpi ? 8 : 4) + (ndpi ? 4 * n : 0);
  if (ndpi && ctx.size !== null && offset + countBytes + bodyLength > ctx.size) {
    highs = false;
    bodyLength = n * entrySize + 4;
  }
  const body = await readExact(ctx, offset + countBytes, bodyLength, 'an image directory');
  const highAt = n * entrySize + 8;
  /** an NDPI offset or value with its high bytes; the low part alone where they point outside the file */
  const widen = (low: number, high: number): number => {
    if (high === 0) return low;
    const wide = low + high * 2 ** 32;
    return ctx.size !== null && wide >= ctx.size ? low : wide;
  };
  const highOf = (i: number) => (highs ? u32(body, highAt + 4 * i, le) : 0);
  const tags = new Map<number, TagValue>();
  for (let i = 0; i < n; i++) {
    const e = i * entrySize;
    const tag = u16(body, e, le);
    const type = u16(body, e + 2, le);
    const count = big ? u64(body, e + 4, le, 'a tag count') : u32(body, e + 4, le);
    const typeSize = TYPE_SIZE[type];
    if (!typeSize) continue; // unknown field types must be skipped (TIFF 6.0 §2)
    if (count > limits.maxTagValueCount) {
      throw new SlideError(
        'tag-limit',
        `The file ${ctx.name} is damaged or hostile: tag ${tag} claims ${count} values (limit ${limits.maxTagValueCount}).`,
      );
    }
    const byteLen = count * typeSize;
    const inlineSize = big ? 8 : 4;
    let data: Uint8Array;
    if (byteLen <= inlineSize) {
      data = body.subarray(e + (big ? 12 : 8), e + (big ? 12 : 8) + byteLen);
    } else {
      const at = big ? u64(body, e + 12, le, 'a tag offset') : widen(u32(body, e + 8, le), highOf(i));
      data = await readExact(ctx, at, byteLen, `the values of tag ${tag}`);
    }
    const values = decodeValues(data, type, count, le);
    // an inline LONG (StripOffsets, StripByteCounts of one strip) carries its high bytes too
    if (ndpi && byteLen <= inlineSize && type === 4 && count === 1 && Array.isArray(values))
      values[0] = widen(values[0], highOf(i));
    tags.set(tag, values);
  }
  const nextOffset = big
    ? u64(body, n * entrySize, le, 'the next IFD offset')
    : widen(u32(body, n * entrySize, le), highs ? u32(body, n * entrySize + 4, le) : 0);
  const ifd: TiffIfd = { offset, index, subIndex, tags, subIfds: [] };
  const subs = tags.get(Tag.SubIFDs);
  if (Array.isArray(subs)) {
    // Writers (libvips, bioformats) list every SubIFD offset; their own next pointers are ignored.
    for (const at of subs) {
      if (at === 0) continue;
      const r = await readIfd(ctx, at, index, ifd.subIfds.length);
      ifd.subIfds.push(r.ifd);
    }
  }
  return { ifd, nextOffset };
}

function decodeValues(b: Uint8Array, type: number, count: number, le: boolean): TagValue {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 2: {
      let end = b.indexOf(0);
      if (end < 0) end = b.byteLength;
      return new TextDecoder('latin1').decode(b.subarray(0, end));
    }
    case 7:
      return b.slice();
    case 1:
      return Array.from(b);
    case 6:
      return Array.from(new Int8Array(b.buffer, b.byteOffset, b.byteLength));
  }
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 3:
        out[i] = dv.getUint16(i * 2, le);
        break;
      case 8:
        out[i] = dv.getInt16(i * 2, le);
        break;
      case 4:
      case 13:
        out[i] = dv.getUint32(i * 4, le);
        break;
      case 9:
        out[i] = dv.getInt32(i * 4, le);
        break;
      case 5: {
        const d = dv.getUint32(i * 8 + 4, le);
        out[i] = d === 0 ? 0 : dv.getUint32(i * 8, le) / d;
        break;
      }
      case 10: {
        const d = dv.getInt32(i * 8 + 4, le);
        out[i] = d === 0 ? 0 : dv.getInt32(i * 8, le) / d;
        break;
      }
      case 11:
        out[i] = dv.getFloat32(i * 4, le);
        break;
      case 12:
        out[i] = dv.getFloat64(i * 8, le);
        break;
      case 16:
      case 18:
        out[i] = Number(dv.getBigUint64(i * 8, le));
        break;
      case 17:
        out[i] = Number(dv.getBigInt64(i * 8, le));
        break;
    }
  }
  return out;
}

// ---- typed accessors ----

export function tagNumber(ifd: TiffIfd, tag: number): number | undefined {
  const v = ifd.tags.get(tag);
  if (Array.isArray(v)) return v[0];
  if (v instanceof Uint8Array) return v[0];
  return undefined;
}

export function tagNumbers(ifd: TiffIfd, tag: number): number[] | undefined {
  const v = ifd.tags.get(tag);
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v);
  return undefined;
}

export function tagString(ifd: TiffIfd, tag: number): string | undefined {
  const v = ifd.tags.get(tag);
  return typeof v === 'string' ? v : undefined;
}

export function tagBytes(ifd: TiffIfd, tag: number): Uint8Array | undefined {
  const v = ifd.tags.get(tag);
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return Uint8Array.from(v);
  return undefined;
}
