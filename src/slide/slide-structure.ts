// Turns parsed TIFF directories into a slide: which format it is, which images form the pyramid
// (leaving out thumbnails, labels and macro photos), resolution, and a clear refusal for what
// cannot be shown (fluorescence stacks, unknown compressions). NDPI has its own (ndpi-structure.ts).

import { SlideError } from './slide-error';
import type { SlideLimits } from './slide-limits';
import type { SlideFormat, TileGrid } from './slide-types';
import {
  CONVERT_HINT,
  type TiffFile,
  type TiffIfd,
  tagBytes,
  tagNumber,
  tagNumbers,
  tagString,
} from './tiff-parser';
import { Compression, compressionName, describeCompression, Photometric, Tag } from './tiff-tags';

/** compressions a decoder exists for (see decoders/decoder-registry.ts) */
export const SUPPORTED_COMPRESSIONS = new Set<number>([
  Compression.None,
  Compression.Lzw,
  Compression.OldJpeg,
  Compression.Jpeg,
  Compression.Deflate,
  Compression.PackBits,
  Compression.DeflateLegacy,
  Compression.Jp2kAperioYcbcr,
  Compression.Jp2kAperioRgb,
]);

export interface NativeLevel extends TileGrid {
  ifd: TiffIfd;
  /** 'strips': tileWidth is the image width, tileHeight RowsPerStrip, tileOffsets the strips */
  layout: 'tiles' | 'strips';
  compression: number;
  photometric: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  predictor: number;
  jpegTables: Uint8Array | undefined;
  tileOffsets: number[];
  tileByteCounts: number[];
}

export interface SlideStructure {
  format: SlideFormat;
  vendor: string | null;
  levels: NativeLevel[];
  mpp: number | null;
  mppSource: 'tiff-resolution' | 'aperio' | 'ome' | 'philips' | null;
  objective: number | null;
  description: string | undefined;
}

const isTiled = (ifd: TiffIfd) => ifd.tags.has(Tag.TileWidth) && ifd.tags.has(Tag.TileOffsets);
const isStriped = (ifd: TiffIfd) => !isTiled(ifd) && ifd.tags.has(Tag.StripOffsets);

const PHOTOMETRIC_NAMES: Record<number, string> = {
  0: 'WhiteIsZero',
  1: 'BlackIsZero',
  2: 'RGB',
  3: 'palette colour',
  4: 'transparency mask',
  5: 'CMYK',
  6: 'YCbCr',
  8: 'CIELab',
  32844: 'LogL',
  32845: 'LogLuv',
};

export function describeSlide(tiff: TiffFile, name: string, limits: SlideLimits): SlideStructure {
  const first = tiff.ifds[0];
  if (/\.vsi$/i.test(name)) {
    // an Olympus VSI is a small TIFF wrapper; the pyramid lives in .ets files in a folder beside it
    throw new SlideError(
      'unsupported-format',
      `${name} is an Olympus VSI slide, which this viewer cannot open (its pixels are in .ets files in the _${name.replace(/\.vsi$/i, '')}_ folder beside it). ${CONVERT_HINT}`,
    );
  }
  const all = tiff.ifds.flatMap((i) => [i, ...i.subIfds]);
  if (all.some((i) => [...i.tags.keys()].some((t) => t >= Tag.NdpiFirst && t <= Tag.NdpiLast))) {
    throw new SlideError(
      'unsupported-format',
      `${name} carries Hamamatsu NDPI tags, but not in its first directory, so it is not an NDPI slide this viewer can read. ${CONVERT_HINT}`,
    );
  }
  const description = tagString(first, Tag.ImageDescription);
  const desc = description?.trimStart() ?? '';
  let format: SlideFormat = 'generic-tiff';
  if (desc.startsWith('Aperio')) format = 'aperio-svs';
  else if (desc.includes('DPUfsImport')) format = 'philips-tiff';
  else if (desc.includes('<OME')) format = 'ome-tiff';

  let candidates: TiffIfd[];
  if (format === 'philips-tiff') {
    // the pyramid is the main chain; label and macro pages say so in their description
    candidates = tiff.ifds.filter(
      (i) => isTiled(i) && !/^\s*(label|macro)\b/i.test(tagString(i, Tag.ImageDescription) ?? ''),
    );
  } else if (format === 'aperio-svs') {
    candidates = tiff.ifds.filter(
      (i) => isTiled(i) && !/\b(label|macro)\b/i.test(tagString(i, Tag.ImageDescription) ?? ''),
    );
  } else if (first.subIfds.length > 0) {
    candidates = [first, ...first.subIfds];
  } else {
    // Reduced-resolution pages (NewSubfileType bit 0) or plain successive pages, as libvips writes them.
    candidates = tiff.ifds;
  }
  let tiled = candidates.filter(isTiled);
  const striped = tiled.length === 0 && isStriped(candidates[0]);
  if (striped) {
    // A striped image (and any striped reduced-resolution pages) is served as virtual tiles.
    tiled = candidates.filter(isStriped);
    if (format === 'generic-tiff') format = 'striped-tiff';
  } else if (tiled.length === 0 || !isTiled(candidates[0])) {
    throw new SlideError(
      'unsupported-format',
      `${name}: its main image is not tiled; only tiled TIFF slides are supported.`,
    );
  }
  checkPixels(tiff, tiled[0], name, format);

  const level = (ifd: TiffIfd) => (striped ? toStripLevel(ifd, name, limits) : toLevel(ifd, name, limits));
  const base = level(tiled[0]);
  const levels: NativeLevel[] = [base];
  for (const ifd of tiled.slice(1)) {
    const l = level(ifd);
    const prev = levels[levels.length - 1];
    // A pyramid level keeps the aspect ratio and shrinks; anything else (labels, macros, other
    // channels) is not part of the pyramid.
    const d = base.width / l.width;
    const aspectOk = Math.abs(base.height / d - l.height) <= Math.max(2, 0.02 * l.height);
    if (
      l.width < prev.width &&
      l.height <= prev.height &&
      aspectOk &&
      l.samplesPerPixel === base.samplesPerPixel
    ) {
      levels.push(l);
    }
  }

  let mpp: number | null = null;
  let mppSource: SlideStructure['mppSource'] = null;
  let objective: number | null = null;
  let vendor: string | null = null;
  if (format === 'aperio-svs') {
    vendor = 'aperio';
    const m = /\|\s*MPP\s*=\s*([0-9.eE+-]+)/.exec(desc);
    if (m && Number(m[1]) > 0) {
      mpp = Number(m[1]);
      mppSource = 'aperio';
    }
    const a = /\|\s*AppMag\s*=\s*([0-9.]+)/.exec(desc);
    if (a && Number(a[1]) > 0) objective = Number(a[1]);
  } else if (format === 'philips-tiff') {
    vendor = 'philips';
    const spacing = philipsSpacings(desc);
    if (spacing[0] > 0) {
      mpp = spacing[0] * 1000;
      mppSource = 'philips';
    }
    // the XML lists the pyramid's representations: pages beyond them are not levels, and each
    // level's true size is level 0's over its downsample (the pages are padded to whole tiles)
    if (spacing.length > 0 && levels.length > spacing.length) levels.length = spacing.length;
    for (let i = 1; i < levels.length && i < spacing.length; i++) {
      const d = Math.round(spacing[i] / spacing[0]);
      if (d >= 1) {
        levels[i].width = Math.min(levels[i].width, Math.floor(base.width / d));
        levels[i].height = Math.min(levels[i].height, Math.floor(base.height / d));
      }
    }
  } else if (format === 'ome-tiff') {
    const p = omePhysicalSize(desc);
    if (p !== null) {
      mpp = p;
      mppSource = 'ome';
    }
  }
  if (mpp === null) {
    const r = resolutionMpp(first);
    if (r !== null) {
      mpp = r;
      mppSource = 'tiff-resolution';
    }
  }
  return { format, vendor, levels, mpp, mppSource, objective, description };
}

function checkPixels(tiff: TiffFile, ifd: TiffIfd, name: string, format: SlideFormat): void {
  const spp = tagNumber(ifd, Tag.SamplesPerPixel) ?? 1;
  const bits = tagNumbers(ifd, Tag.BitsPerSample) ?? [1];
  const photometric = tagNumber(ifd, Tag.PhotometricInterpretation) ?? (spp >= 3 ? 2 : 1);
  const compression = tagNumber(ifd, Tag.Compression) ?? 1;
  const sampleFormat = tagNumber(ifd, Tag.SampleFormat) ?? 1;
  const singlePages = tiff.ifds.filter((i) => (tagNumber(i, Tag.SamplesPerPixel) ?? 1) === 1).length;
  if (spp === 1 && (singlePages > 1 || bits[0] !== 8)) {
    throw new SlideError(
      'unsupported-pixels',
      `${name} holds ${singlePages > 1 ? `${singlePages} single-channel ` : ''}${bits[0]}-bit images, as fluorescence or multiplex scans do; only brightfield RGB slides are supported. Multiplex fluorescence needs a viewer with channel controls (QuPath, OMERO, Avivator); an RGB rendering made with vips (vips tiffsave) opens here.`,
    );
  }
  if (bits.some((b) => b !== 8) || sampleFormat !== 1) {
    throw new SlideError(
      'unsupported-pixels',
      `${name} uses ${bits[0]}-bit${sampleFormat === 3 ? ' floating-point' : ''} samples; only 8-bit RGB slides are supported.`,
    );
  }
  const okPhotometric =
    spp === 1 ? photometric === 0 || photometric === 1 : photometric === 2 || photometric === 6;
  if (!okPhotometric || spp === 2 || spp > 4) {
    throw new SlideError(
      'unsupported-pixels',
      `${name} uses ${PHOTOMETRIC_NAMES[photometric] ?? `photometric ${photometric}`} colour with ${spp} samples per pixel; only RGB (or YCbCr JPEG) slides are supported.`,
    );
  }
  const ycbcrCodecs: number[] = [Compression.Jpeg, Compression.OldJpeg, Compression.Jp2kAperioYcbcr];
  if (photometric === Photometric.YCbCr && !ycbcrCodecs.includes(compression)) {
    throw new SlideError(
      'unsupported-pixels',
      `${name} stores uncompressed or ${compressionName(compression)} YCbCr pixels, which are not supported.`,
    );
  }
  if ((tagNumber(ifd, Tag.PlanarConfiguration) ?? 1) !== 1 && spp > 1) {
    throw new SlideError(
      'unsupported-pixels',
      `${name} stores colour planes separately (PlanarConfiguration 2), which is not supported.`,
    );
  }
  if (!SUPPORTED_COMPRESSIONS.has(compression)) {
    throw new SlideError(
      'unsupported-compression',
      `${name} uses ${describeCompression(compression)}, which this viewer cannot decode.${format === 'generic-tiff' ? '' : ` (format: ${format})`}`,
    );
  }
}

/** Throws the limit's error when an image is wider or taller than `limits` accept. */
export function checkDimensions(width: number, height: number, what: string, limits: SlideLimits): void {
  if (width > limits.maxDimension || height > limits.maxDimension) {
    throw new SlideError(
      'dimension-limit',
      `${what} claims an image of ${width}×${height} pixels, more than the ${limits.maxDimension} pixels per side this viewer accepts.`,
    );
  }
}

/** How an IFD's pixels are stored (TIFF 6.0 defaults where a tag is absent). */
function pixelFormat(ifd: TiffIfd) {
  const spp = tagNumber(ifd, Tag.SamplesPerPixel) ?? 1;
  return {
    compression: tagNumber(ifd, Tag.Compression) ?? 1,
    photometric: tagNumber(ifd, Tag.PhotometricInterpretation) ?? (spp >= 3 ? 2 : 1),
    samplesPerPixel: spp,
    bitsPerSample: tagNumber(ifd, Tag.BitsPerSample) ?? 8,
    predictor: tagNumber(ifd, Tag.Predictor) ?? 1,
    jpegTables: tagBytes(ifd, Tag.JPEGTables),
  };
}

function toLevel(ifd: TiffIfd, name: string, limits: SlideLimits): NativeLevel {
  const width = tagNumber(ifd, Tag.ImageWidth) ?? 0;
  const height = tagNumber(ifd, Tag.ImageLength) ?? 0;
  const tileWidth = tagNumber(ifd, Tag.TileWidth) ?? 0;
  const tileHeight = tagNumber(ifd, Tag.TileLength) ?? 0;
  if (!(width > 0 && height > 0 && tileWidth > 0 && tileHeight > 0)) {
    throw new SlideError('corrupt', `${name} is damaged: an image has zero width, height or tile size.`);
  }
  checkDimensions(width, height, name, limits);
  const spp = tagNumber(ifd, Tag.SamplesPerPixel) ?? 1;
  // Allocation budget: decoded tiles are RGBA; the raw tile holds spp bytes per pixel.
  const tileBytes = tileWidth * tileHeight * Math.max(4, spp);
  if (tileBytes > limits.maxTileBytes) {
    throw new SlideError(
      'allocation-limit',
      `${name} uses ${tileWidth}×${tileHeight} tiles, which would need ${Math.round(tileBytes / 2 ** 20)} MB each (limit ${Math.round(limits.maxTileBytes / 2 ** 20)} MB).`,
    );
  }
  const tilesAcross = Math.ceil(width / tileWidth);
  const tilesDown = Math.ceil(height / tileHeight);
  const tileOffsets = tagNumbers(ifd, Tag.TileOffsets) ?? [];
  const tileByteCounts = tagNumbers(ifd, Tag.TileByteCounts) ?? [];
  const needed = tilesAcross * tilesDown;
  if (tileOffsets.length < needed || tileByteCounts.length < needed) {
    throw new SlideError(
      'corrupt',
      `${name} is damaged: an image of ${width}×${height} pixels needs ${needed} tiles but lists ${Math.min(tileOffsets.length, tileByteCounts.length)}.`,
    );
  }
  return {
    ifd,
    layout: 'tiles',
    width,
    height,
    tileWidth,
    tileHeight,
    tilesAcross,
    tilesDown,
    ...pixelFormat(ifd),
    tileOffsets,
    tileByteCounts,
  };
}

/** A striped image as a NativeLevel: one "tile" per strip, image-wide, RowsPerStrip high. */
function toStripLevel(ifd: TiffIfd, name: string, limits: SlideLimits): NativeLevel {
  const width = tagNumber(ifd, Tag.ImageWidth) ?? 0;
  const height = tagNumber(ifd, Tag.ImageLength) ?? 0;
  if (!(width > 0 && height > 0)) {
    throw new SlideError('corrupt', `${name} is damaged: an image has zero width or height.`);
  }
  checkDimensions(width, height, name, limits);
  // RowsPerStrip defaults to the whole image (TIFF 6.0)
  const rowsPerStrip = Math.min(height, tagNumber(ifd, Tag.RowsPerStrip) || height);
  const strips = Math.ceil(height / rowsPerStrip);
  const offsets = tagNumbers(ifd, Tag.StripOffsets) ?? [];
  const counts = tagNumbers(ifd, Tag.StripByteCounts) ?? [];
  if (offsets.length < strips || counts.length < strips) {
    throw new SlideError(
      'corrupt',
      `${name} is damaged: an image of ${height} rows in strips of ${rowsPerStrip} needs ${strips} strips but lists ${Math.min(offsets.length, counts.length)}.`,
    );
  }
  return {
    ifd,
    layout: 'strips',
    width,
    height,
    tileWidth: width,
    tileHeight: rowsPerStrip,
    tilesAcross: 1,
    tilesDown: strips,
    ...pixelFormat(ifd),
    tileOffsets: offsets,
    tileByteCounts: counts,
  };
}

/** DICOM_PIXEL_SPACING (mm, first value) of each PixelDataRepresentation of a Philips XML. */
export function philipsSpacings(xml: string): number[] {
  const out: number[] = [];
  const re = /Name="DICOM_PIXEL_SPACING"[^>]*>\s*(?:&quot;|")?\s*([0-9.eE+-]+)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const v = Number(m[1]);
    if (v > 0 && Number.isFinite(v)) out.push(v);
  }
  return out;
}

const UNIT_TO_UM: Record<string, number> = {
  m: 1e6,
  cm: 1e4,
  mm: 1e3,
  µm: 1,
  um: 1,
  μm: 1,
  nm: 1e-3,
  Å: 1e-4,
  pm: 1e-6,
};

/** PhysicalSizeX of the first OME Pixels element, in µm (the OME default unit). */
export function omePhysicalSize(xml: string): number | null {
  const pixels = /<(?:\w+:)?Pixels\b[^>]*>/.exec(xml);
  if (!pixels) return null;
  const size = /\bPhysicalSizeX\s*=\s*"([^"]+)"/.exec(pixels[0]);
  if (!size) return null;
  const unit = /\bPhysicalSizeXUnit\s*=\s*"([^"]+)"/.exec(pixels[0])?.[1] ?? 'µm';
  const factor = UNIT_TO_UM[unit];
  const v = Number(size[1]) * (factor ?? Number.NaN);
  return v > 0 && Number.isFinite(v) ? v : null;
}

/**
 * mpp from XResolution/ResolutionUnit. Values outside 0.01–100 µm/px are treated as absent:
 * writers put placeholders there (libvips writes 1 px/mm, scanners 72 dpi).
 */
export function resolutionMpp(ifd: TiffIfd): number | null {
  const xres = tagNumber(ifd, Tag.XResolution);
  const unit = tagNumber(ifd, Tag.ResolutionUnit) ?? 2;
  if (!xres || !(xres > 0)) return null;
  const perUnit = unit === 2 ? 25_400 : unit === 3 ? 10_000 : 0;
  if (perUnit === 0) return null;
  const mpp = perUnit / xres;
  return mpp >= 0.01 && mpp <= 100 ? mpp : null;
}
