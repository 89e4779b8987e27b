// Hamamatsu NDPI from its parsed directories: which images are pyramid levels (one JPEG each, in
// one strip, with McuStarts), which are the macro photo and the map, and the slide's
// magnification and resolution. Every offset is checked here, once, when the slide opens.

import { SlideError } from './slide-error';
import type { SlideLimits } from './slide-limits';
import { checkDimensions, resolutionMpp } from './slide-structure';
import { type TiffFile, type TiffIfd, tagNumber, tagNumbers } from './tiff-parser';
import { Compression, describeCompression, Tag } from './tiff-tags';

export interface NdpiLevelInfo {
  ifd: TiffIfd;
  width: number;
  height: number;
  /** file offset and length of the level's JPEG stream */
  offset: number;
  length: number;
  /** start of each restart segment, from the start of the stream; null when the file lists none */
  mcuStarts: number[] | null;
}

export interface NdpiStructure {
  levels: NdpiLevelInfo[];
  /** the macro photo (magnification -1) and the map (-2), kept out of the pyramid */
  associated: { kind: 'macro' | 'map'; width: number; height: number }[];
  mpp: number | null;
  objective: number | null;
}

/** Whether a parsed TIFF is an NDPI: its 64-bit header quirk, or Hamamatsu's flag in IFD 0. */
export function isNdpi(tiff: TiffFile): boolean {
  return tiff.ndpi || tiff.ifds[0].tags.has(Tag.NdpiFormatFlag);
}

export function describeNdpi(
  tiff: TiffFile,
  name: string,
  limits: SlideLimits,
  fileSize: number | null,
): NdpiStructure {
  const associated: NdpiStructure['associated'] = [];
  const candidates: { ifd: TiffIfd; magnification: number; z: number }[] = [];
  for (const ifd of tiff.ifds) {
    const magnification = tagNumber(ifd, Tag.NdpiMagnification) ?? 0;
    const width = tagNumber(ifd, Tag.ImageWidth) ?? 0;
    const height = tagNumber(ifd, Tag.ImageLength) ?? 0;
    if (magnification === -1 || magnification === -2) {
      associated.push({ kind: magnification === -1 ? 'macro' : 'map', width, height });
    } else if (magnification > 0) {
      candidates.push({ ifd, magnification, z: tagNumber(ifd, Tag.NdpiFocalPlane) ?? 0 });
    }
  }
  if (candidates.length === 0) {
    throw new SlideError(
      'unsupported-format',
      `${name} is a Hamamatsu NDPI file without any pyramid image (no directory gives a magnification).`,
    );
  }
  // Several focal planes: the one at the slide's centre (z 0), else the first one written.
  const z = candidates.some((c) => c.z === 0) ? 0 : candidates[0].z;
  const planes = candidates.filter((c) => c.z === z);
  planes.sort((a, b) => (tagNumber(b.ifd, Tag.ImageWidth) ?? 0) - (tagNumber(a.ifd, Tag.ImageWidth) ?? 0));
  const levels: NdpiLevelInfo[] = [];
  for (const c of planes) {
    const lv = toLevel(c.ifd, levels.length, name, limits, fileSize);
    const prev = levels[levels.length - 1];
    if (prev && !(lv.width < prev.width && lv.height <= prev.height)) continue; // a duplicate size
    levels.push(lv);
  }
  const mpp = resolutionMpp(levels[0].ifd);
  const objective = planes[0].magnification;
  return { levels, associated, mpp, objective: Number.isFinite(objective) ? objective : null };
}

function toLevel(
  ifd: TiffIfd,
  index: number,
  name: string,
  limits: SlideLimits,
  fileSize: number | null,
): NdpiLevelInfo {
  const what = `${name} (Hamamatsu NDPI, level ${index})`;
  const width = tagNumber(ifd, Tag.ImageWidth) ?? 0;
  const height = tagNumber(ifd, Tag.ImageLength) ?? 0;
  if (!(width > 0 && height > 0))
    throw new SlideError('corrupt', `${what} is damaged: an image has zero width or height.`);
  checkDimensions(width, height, what, limits);
  const compression = tagNumber(ifd, Tag.Compression) ?? 1;
  if (compression !== Compression.Jpeg) {
    throw new SlideError(
      'unsupported-compression',
      `${what} uses ${describeCompression(compression)}; NDPI levels are read as one JPEG each.`,
    );
  }
  const offsets = tagNumbers(ifd, Tag.StripOffsets) ?? [];
  const counts = tagNumbers(ifd, Tag.StripByteCounts) ?? [];
  if (offsets.length !== 1 || counts.length !== 1) {
    throw new SlideError(
      'unsupported-format',
      `${what} is not one JPEG stream (it lists ${offsets.length} strips${ifd.tags.has(Tag.TileOffsets) ? ' and tiles' : ''}); NDPI levels are one JPEG each.`,
    );
  }
  const offset = offsets[0];
  const length = counts[0];
  if (!(offset > 0 && length > 4))
    throw new SlideError('corrupt', `${what} is damaged: its JPEG stream is empty.`);
  if (fileSize !== null && offset + length > fileSize) {
    throw new SlideError(
      'truncated',
      `The file ${name} seems truncated: the JPEG of NDPI level ${index} ends at byte ${offset + length}, past the end of the file (${fileSize} bytes).`,
    );
  }
  return { ifd, width, height, offset, length, mcuStarts: mcuStarts(ifd, what, offset, length, fileSize) };
}

/** McuStarts with their high bytes, checked: increasing, inside the level's stream and the file. */
function mcuStarts(
  ifd: TiffIfd,
  what: string,
  offset: number,
  length: number,
  fileSize: number | null,
): number[] | null {
  const low = tagNumbers(ifd, Tag.NdpiMcuStarts);
  if (!low || low.length === 0) return null;
  const high = tagNumbers(ifd, Tag.NdpiMcuStartsHigh);
  const starts = high && high.length === low.length ? low.map((v, i) => v + high[i] * 2 ** 32) : low;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i];
    if (fileSize !== null && offset + s >= fileSize) {
      throw new SlideError(
        'corrupt',
        `${what} is damaged: McuStarts entry ${i} points past the end of the file (byte ${offset + s} of ${fileSize}).`,
      );
    }
    if (s >= length) {
      throw new SlideError(
        'corrupt',
        `${what} is damaged: McuStarts entry ${i} points past the end of the level's JPEG (${s} of ${length} bytes).`,
      );
    }
    if (i > 0 && s <= starts[i - 1]) {
      throw new SlideError(
        'corrupt',
        `${what} is damaged: its McuStarts are out of order (entry ${i}, ${s}, does not follow ${starts[i - 1]}).`,
      );
    }
  }
  if (starts[0] < 4)
    throw new SlideError('corrupt', `${what} is damaged: McuStarts entry 0 points into the JPEG header.`);
  return starts;
}
