// One DICOM Part 10 file read in place: the header up to Pixel Data parsed by dicom-parser (the
// file is read in growing prefixes, never whole), then where each frame's bytes lie: native pixel
// data, or encapsulated fragments located by the extended offset table, the basic offset table,
// or a scan of the fragment item headers (empty tables), with frames split over fragments joined.
// A remote file (no Blob slices) with a basic offset table is not walked whole: each frame is the
// span of items between two table entries, read and unwrapped when the frame is asked for.

import type { DataSet } from 'dicom-parser';
import * as dicomParserNs from 'dicom-parser';
import { concatBytes } from '../../util/bytes';
import type { ByteSource } from '../byte-source';
import { SlideError, throwIfAborted } from '../slide-error';
import type { SlideLimits } from '../slide-limits';
import { type DicomAttrs, fromDataSet, T } from './dicom-attrs';
import { isDicomFile } from './dicom-detect';

/**
 * Where one frame lies in its file: one or more byte ranges (fragments), joined in order; or
 * (items: true) one span of fragment items, headers included, unwrapped when read.
 */
export type FrameExtent = { offset: number; length: number; items?: boolean }[];

export interface DicomFile {
  name: string;
  attrs: DicomAttrs;
  transferSyntax: string;
  /** frames in order (frame number n is frames[n - 1]) */
  frames: FrameExtent[];
  source: ByteSource;
}

// dicom-parser is a UMD bundle: Node's ESM loader sees only its default export, bundlers both
const dicomParser = ((dicomParserNs as { default?: typeof dicomParserNs }).default ??
  dicomParserNs) as typeof dicomParserNs;

/** Largest header (everything before Pixel Data) read before giving up. */
const MAX_HEADER_BYTES = 64 << 20;
/** the first prefix parsed: most writers' headers fit (Orthanc's: ~25 KB); it grows ×4 */
const FIRST_HEADER_READ = 64 << 10;

export { isDicomFile } from './dicom-detect';

export async function readDicomFile(
  source: ByteSource,
  limits: SlideLimits,
  signal?: AbortSignal,
): Promise<DicomFile> {
  const name = source.name;
  const size = source.size ?? Number.POSITIVE_INFINITY;
  if (!(await isDicomFile(source, signal))) {
    throw new SlideError('not-tiff', `${name} is not a DICOM file (no "DICM" at byte 128).`);
  }
  const { ds, pixel } = await parseHeader(source, size, signal);
  const attrs = fromDataSet(ds);
  const transferSyntax = attrs.string(T.TransferSyntaxUID) ?? '1.2.840.10008.1.2';
  if (!pixel) {
    throw new SlideError('no-pixel-data', `${name} is a DICOM file without pixel data (${sopName(attrs)}).`);
  }
  const frameCount = attrs.number(T.NumberOfFrames) ?? 1;
  if (!(Number.isInteger(frameCount) && frameCount >= 1 && frameCount <= limits.maxTagValueCount)) {
    throw new SlideError('corrupt', `${name} claims ${frameCount} frames.`);
  }
  let frames: FrameExtent[];
  if (!pixel.hadUndefinedLength) {
    const rows = attrs.number(T.Rows) ?? 0;
    const cols = attrs.number(T.Columns) ?? 0;
    const spp = attrs.number(T.SamplesPerPixel) ?? 1;
    const bits = attrs.number(T.BitsAllocated) ?? 8;
    const frameBytes = Math.ceil((rows * cols * spp * bits) / 8);
    if (!(frameBytes > 0)) throw new SlideError('corrupt', `${name} has pixel data but no frame size.`);
    frames = Array.from({ length: frameCount }, (_, i) => [
      { offset: pixel.dataOffset + i * frameBytes, length: frameBytes },
    ]);
  } else {
    frames = await locateFragments(source, size, ds, pixel.dataOffset, frameCount, limits, name, signal);
  }
  return { name, attrs, transferSyntax, frames, source };
}

/** Parses ever longer prefixes until Pixel Data's header (or the end of the file) is reached. */
async function parseHeader(
  source: ByteSource,
  size: number,
  signal?: AbortSignal,
): Promise<{ ds: DataSet; pixel: DataSet['elements'][string] | undefined }> {
  let want = Math.min(size, FIRST_HEADER_READ);
  for (;;) {
    throwIfAborted(signal);
    const bytes = await source.read(0, want, signal);
    const whole = bytes.byteLength < want || bytes.byteLength >= size;
    let ds: DataSet | undefined;
    let failure: unknown;
    try {
      ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    } catch (e) {
      failure = e;
    }
    const pixel = ds?.elements.x7fe00010;
    if (ds && (pixel || whole)) return { ds, pixel };
    if (whole) {
      throw new SlideError(
        'truncated',
        `${source.name} seems truncated or damaged: its DICOM header could not be read (${failureText(failure)}).`,
      );
    }
    if (want >= MAX_HEADER_BYTES) {
      throw new SlideError(
        'tag-limit',
        `${source.name} has a DICOM header larger than ${MAX_HEADER_BYTES >> 20} MB before its pixel data.`,
      );
    }
    want = Math.min(size, want * 4, MAX_HEADER_BYTES);
  }
}

function failureText(e: unknown): string {
  if (typeof e === 'string') return e.replace(/^dicomParser[.:]\s*/, '');
  if (e instanceof Error) return e.message;
  return 'no pixel data before the end of the file';
}

export function sopName(attrs: DicomAttrs): string {
  const uid = attrs.string(T.SOPClassUID) ?? '';
  return SOP_CLASSES[uid] ?? (uid ? `SOP class ${uid}` : 'no SOP class');
}

export const WSI_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.6';
const SOP_CLASSES: Record<string, string> = {
  [WSI_SOP_CLASS]: 'VL Whole Slide Microscopy Image',
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image',
  '1.2.840.10008.5.1.4.1.1.1': 'Computed Radiography Image',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image',
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation',
  '1.2.840.10008.5.1.4.1.1.91.1': 'Microscopy Bulk Simple Annotations',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR',
  '1.2.840.10008.5.1.4.1.1.77.1.2': 'VL Microscopic Image',
};

/** Reads small pieces of a file through a 1 MiB window (the fragment scan reads 8 bytes at a time). */
class WindowReader {
  private start = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  constructor(
    private readonly source: ByteSource,
    private readonly signal?: AbortSignal,
  ) {}
  async get(offset: number, length: number): Promise<Uint8Array> {
    if (offset < this.start || offset + length > this.start + this.bytes.byteLength) {
      this.start = offset;
      this.bytes = await this.source.read(offset, Math.max(length, 1 << 20), this.signal);
    }
    const s = offset - this.start;
    return this.bytes.subarray(s, s + length);
  }
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24;
}

/** Item tag (FFFE,E000), sequence delimiter (FFFE,E0DD) or something else. */
function itemKind(b: Uint8Array): 'item' | 'end' | 'bad' {
  if (b[0] !== 0xfe || b[1] !== 0xff) return 'bad';
  if (b[2] === 0x00 && b[3] === 0xe0) return 'item';
  if (b[2] === 0xdd && b[3] === 0xe0) return 'end';
  return 'bad';
}

async function locateFragments(
  source: ByteSource,
  size: number,
  ds: DataSet,
  dataOffset: number,
  frameCount: number,
  limits: SlideLimits,
  name: string,
  signal?: AbortSignal,
): Promise<FrameExtent[]> {
  const win = new WindowReader(source, signal);
  const damaged = (what: string) =>
    new SlideError('corrupt', `${name} has damaged encapsulated pixel data: ${what}.`);
  // read alone: a window would fetch a megabyte of frames from a remote file
  const botHead = await source.read(dataOffset, 8, signal);
  if (botHead.byteLength < 8) {
    throw new SlideError('truncated', `${name} seems truncated: its pixel data is cut short.`);
  }
  if (itemKind(botHead) !== 'item') throw damaged('no basic offset table item');
  const botLength = u32(botHead, 4);
  if (botLength % 4 !== 0 || botLength > limits.maxTagValueCount * 4) throw damaged('a bad offset table');
  const firstItem = dataOffset + 8 + botLength;

  // Extended offset table: one fragment per frame, offsets of its item from the first item.
  const eot = ds.elements.x7fe00001;
  const eotLengths = ds.elements.x7fe00002;
  if (eot && eotLengths && eot.length >= frameCount * 8 && eotLengths.length >= frameCount * 8) {
    const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset);
    return Array.from({ length: frameCount }, (_, i) => [
      {
        offset: firstItem + Number(view.getBigUint64(eot.dataOffset + i * 8, true)) + 8,
        length: Number(view.getBigUint64(eotLengths.dataOffset + i * 8, true)),
      },
    ]);
  }
  const bot: number[] = [];
  if (botLength > 0) {
    const b = await source.read(dataOffset + 8, botLength, signal);
    if (b.byteLength < botLength) throw new SlideError('truncated', `${name} seems truncated.`);
    for (let i = 0; i < botLength; i += 4) bot.push(u32(b, i));
  }
  const spans = !source.slice && itemSpans(bot, frameCount, firstItem, size, limits);
  if (spans) return spans;

  // The fragment items, in order: where each starts (relative to the first) and its value.
  const fragments: { rel: number; offset: number; length: number; head: number }[] = [];
  let pos = firstItem;
  const needHeads = !(bot.length === frameCount) && frameCount > 1;
  while (pos + 8 <= size) {
    const h = await win.get(pos, needHeads ? 10 : 8);
    if (h.byteLength < 8) break;
    const kind = itemKind(h);
    if (kind === 'end') break;
    if (kind === 'bad') throw damaged(`no fragment item at byte ${pos}`);
    const length = u32(h, 4);
    if (length > limits.maxCompressedTileBytes) throw damaged(`a fragment of ${length} bytes`);
    fragments.push({
      rel: pos - firstItem,
      offset: pos + 8,
      length,
      head: needHeads && h.byteLength >= 10 ? (h[8] << 8) | h[9] : 0,
    });
    if (fragments.length > limits.maxTagValueCount) throw damaged('too many fragments');
    pos += 8 + length;
    throwIfAborted(signal);
  }
  if (fragments.length === 0) throw new SlideError('truncated', `${name} seems truncated: it has no frames.`);
  const last = fragments[fragments.length - 1];
  if (last.offset + last.length > size) {
    throw new SlideError('truncated', `${name} seems truncated: its last frame is cut short.`);
  }

  const frames: FrameExtent[] = [];
  const take = (list: typeof fragments) => list.map(({ offset, length }) => ({ offset, length }));
  if (bot.length === frameCount) {
    for (let i = 0; i < frameCount; i++) {
      const from = bot[i];
      const to = i + 1 < frameCount ? bot[i + 1] : Number.POSITIVE_INFINITY;
      frames.push(take(fragments.filter((f) => f.rel >= from && f.rel < to)));
    }
  } else if (fragments.length === frameCount) {
    for (const f of fragments) frames.push(take([f]));
  } else if (frameCount === 1) {
    frames.push(take(fragments));
  } else {
    // No usable table and more fragments than frames: a frame starts where a codestream does
    // (JPEG/JPEG-LS SOI, JPEG 2000 SOC).
    let current: typeof fragments = [];
    for (const f of fragments) {
      if ((f.head === 0xffd8 || f.head === 0xff4f) && current.length) {
        frames.push(take(current));
        current = [];
      }
      current.push(f);
    }
    if (current.length) frames.push(take(current));
    if (frames.length !== frameCount) {
      throw damaged(`${fragments.length} fragments could not be split into its ${frameCount} frames`);
    }
  }
  if (frames.some((f) => f.length === 0)) throw damaged('its offset table points at no fragment');
  return frames;
}

/**
 * Each frame's span of items from a usable basic offset table (starts at 0, increasing, inside
 * the file); null when there is none, or the last span (to the end of the file, which may hold
 * more after the pixel data) would be too long to read for one frame.
 */
function itemSpans(
  bot: number[],
  frameCount: number,
  firstItem: number,
  size: number,
  limits: SlideLimits,
): FrameExtent[] | null {
  if (bot.length !== frameCount || bot[0] !== 0 || !Number.isFinite(size)) return null;
  for (let i = 1; i < bot.length; i++) if (!(bot[i] > bot[i - 1])) return null;
  const last = firstItem + bot[bot.length - 1];
  if (last + 8 > size) return null;
  const spans: FrameExtent[] = [];
  for (let i = 0; i < bot.length; i++) {
    const start = firstItem + bot[i];
    const end = i + 1 < bot.length ? firstItem + bot[i + 1] : size;
    // a frame larger than any tile may be: the scan names the fragment that is too long
    if (end - start > limits.maxCompressedTileBytes + 8 * 1024) return null;
    spans.push([{ offset: start, length: end - start, items: true }]);
  }
  return spans;
}

/** The fragments of a span of items (see itemSpans), joined; stops at the sequence delimiter. */
function unwrapItems(b: Uint8Array, name: string, index: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = 0;
  while (pos + 8 <= b.byteLength) {
    const kind = itemKind(b.subarray(pos, pos + 4));
    if (kind === 'end') break;
    if (kind === 'bad') {
      throw new SlideError(
        'corrupt',
        `${name} has damaged encapsulated pixel data: frame ${index + 1} is not a fragment item.`,
      );
    }
    const length = u32(b, pos + 4);
    if (pos + 8 + length > b.byteLength) {
      throw new SlideError('truncated', `${name} seems truncated: frame ${index + 1} is cut short.`);
    }
    parts.push(b.subarray(pos + 8, pos + 8 + length));
    pos += 8 + length;
  }
  if (parts.length === 0)
    throw new SlideError('truncated', `${name} seems truncated: frame ${index + 1} is missing.`);
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

/** One frame's bytes, its fragments joined. */
export async function readFrame(file: DicomFile, index: number, signal?: AbortSignal): Promise<Uint8Array> {
  const extent = file.frames[index];
  if (extent[0].items)
    return unwrapItems(await file.source.read(extent[0].offset, extent[0].length, signal), file.name, index);
  const parts = await Promise.all(extent.map((e) => file.source.read(e.offset, e.length, signal)));
  const total = extent.reduce((n, e) => n + e.length, 0);
  if (parts.reduce((n, p) => n + p.byteLength, 0) < total) {
    throw new SlideError('truncated', `${file.name} seems truncated: frame ${index + 1} is cut short.`);
  }
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
