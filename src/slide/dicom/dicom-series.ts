// Turns the instances of a DICOM WSI series into a pyramid: which instances are slides at all,
// which series is the slide (two different slides together are refused), levels from
// TotalPixelMatrixColumns/Rows (a level may be split over several instances), tiles from
// TILED_FULL frame order or from per-frame plane positions (TILED_SPARSE, or no
// DimensionOrganizationType at all), and LABEL/OVERVIEW/THUMBNAIL images kept out of the pyramid.

import { SlideError } from '../slide-error';
import type { SlideLimits } from '../slide-limits';
import type { TileGrid } from '../slide-types';
import { type DicomAttrs, T } from './dicom-attrs';
import { codecFor, type DicomCodec, type FrameFormat } from './dicom-codec';
import { sopName, WSI_SOP_CLASS } from './dicom-file';

export interface DicomInstance {
  /** file name or SOP instance UID, for messages */
  name: string;
  attrs: DicomAttrs;
  /** transfer syntax UID, or '*' when the codec is worked out from each frame's bytes */
  transferSyntax: string;
  frameCount: number;
}

export interface TileRef {
  instance: number;
  /** 0-based frame index within the instance */
  frame: number;
}

export interface DicomLevelPlan extends TileGrid {
  /** tile index (y·across + x) → frame; a tile not in the map is background (sparse levels) */
  tiles: Map<number, TileRef>;
  instances: number[];
  sparse: boolean;
}

export interface AssociatedImage {
  kind: 'label' | 'overview' | 'thumbnail';
  width: number;
  height: number;
  instance: number;
  /** its frames as a one-level tile map, for reading it like a level */
  plan: DicomLevelPlan;
}

export interface DicomPyramid {
  studyUid: string;
  seriesUid: string;
  levels: DicomLevelPlan[];
  associated: AssociatedImage[];
  /** frame format per instance index (undefined for instances not in this slide) */
  formats: (FrameFormat | undefined)[];
  mpp: number | null;
  vendor: string | null;
  model: string | null;
  objective: number | null;
  compression: string;
  /** instances left out: other SOP classes (segmentations, annotations) */
  ignored: string[];
}

const ASSOCIATED = new Set(['LABEL', 'OVERVIEW', 'THUMBNAIL']);

export function imageFlavour(a: DicomAttrs): string {
  // ImageType value 3 (VOLUME, LABEL, OVERVIEW, THUMBNAIL); writers that leave it out write volumes
  const t = a.strings(T.ImageType);
  return (t[2] ?? 'VOLUME').toUpperCase();
}

export function frameFormat(inst: DicomInstance): FrameFormat {
  const a = inst.attrs;
  const codec: DicomCodec | 'sniff' =
    inst.transferSyntax === '*' ? 'sniff' : codecFor(inst.transferSyntax, inst.name);
  return {
    codec,
    rows: a.number(T.Rows) ?? 0,
    columns: a.number(T.Columns) ?? 0,
    samplesPerPixel: a.number(T.SamplesPerPixel) ?? 1,
    photometric: (a.string(T.PhotometricInterpretation) ?? 'MONOCHROME2').toUpperCase(),
    bitsAllocated: a.number(T.BitsAllocated) ?? 8,
    bitsStored: a.number(T.BitsStored) ?? a.number(T.BitsAllocated) ?? 8,
    planar: a.number(T.PlanarConfiguration) ?? 0,
  };
}

/** Picks the one slide among `instances` and lays out its pyramid. */
export function buildPyramid(instances: DicomInstance[], limits: SlideLimits, what: string): DicomPyramid {
  const ignored: string[] = [];
  const wsi: number[] = [];
  instances.forEach((inst, i) => {
    if (inst.attrs.string(T.SOPClassUID) === WSI_SOP_CLASS) wsi.push(i);
    else ignored.push(`${inst.name} (${sopName(inst.attrs)})`);
  });
  if (wsi.length === 0) {
    const kinds = [...new Set(instances.map((i) => sopName(i.attrs)))].join(', ');
    throw new SlideError(
      'not-a-slide',
      `${what} is not a whole-slide image: it holds ${kinds}, not VL Whole Slide Microscopy images.`,
    );
  }
  // one slide = one series of volume images (labels and overviews may sit in a sibling series)
  const volumeSeries = new Set(
    wsi.filter((i) => imageFlavour(instances[i].attrs) === 'VOLUME').map((i) => seriesOf(instances[i].attrs)),
  );
  if (volumeSeries.size > 1) {
    throw new SlideError(
      'several-slides',
      `These files hold ${volumeSeries.size} different slides (series ${[...volumeSeries].map((s) => `…${s.slice(-8)}`).join(', ')}); open one slide at a time.`,
    );
  }
  if (volumeSeries.size === 0) {
    throw new SlideError('not-a-slide', `${what} holds only label, overview or thumbnail images, no slide.`);
  }
  const seriesUid = [...volumeSeries][0];
  const studyUid =
    instances[wsi.find((i) => seriesOf(instances[i].attrs) === seriesUid) ?? 0].attrs.string(
      T.StudyInstanceUID,
    ) ?? '';
  const formats: (FrameFormat | undefined)[] = instances.map(() => undefined);
  const associated: AssociatedImage[] = [];
  const byLevel = new Map<string, number[]>();
  for (const i of wsi) {
    const a = instances[i].attrs;
    const sameSlide = seriesOf(a) === seriesUid || a.string(T.StudyInstanceUID) === studyUid;
    if (!sameSlide) {
      ignored.push(`${instances[i].name} (another study)`);
      continue;
    }
    const flavour = imageFlavour(a);
    const f = frameFormat(instances[i]);
    formats[i] = f;
    const width = a.number(T.TotalPixelMatrixColumns) ?? f.columns;
    const height = a.number(T.TotalPixelMatrixRows) ?? f.rows;
    checkSize(width, height, f, limits, instances[i].name);
    if (ASSOCIATED.has(flavour)) {
      associated.push({
        kind: flavour.toLowerCase() as AssociatedImage['kind'],
        width,
        height,
        instance: i,
        plan: layoutLevel(instances, formats, [i], limits),
      });
      continue;
    }
    if (seriesOf(a) !== seriesUid || flavour !== 'VOLUME') {
      ignored.push(`${instances[i].name} (${flavour.toLowerCase()})`);
      continue;
    }
    const key = `${width}x${height}`;
    byLevel.set(key, [...(byLevel.get(key) ?? []), i]);
  }
  const levels = [...byLevel.values()]
    .map((members) => layoutLevel(instances, formats, members, limits))
    .sort((p, q) => q.width - p.width);
  if (levels.length === 0) throw new SlideError('not-a-slide', `${what} has no pyramid level.`);

  const base = instances[levels[0].instances[0]].attrs;
  const baseFormat = formats[levels[0].instances[0]] as FrameFormat;
  return {
    studyUid,
    seriesUid,
    levels,
    associated,
    formats,
    mpp: pixelSpacingMpp(base),
    vendor: base.string(T.Manufacturer) ?? null,
    model: base.string(T.ManufacturerModelName) ?? null,
    objective: objectiveOf(base),
    compression: baseFormat.codec === 'sniff' ? 'from the frames' : codecName(baseFormat.codec),
    ignored,
  };
}

function codecName(c: DicomCodec): string {
  return { jpeg: 'JPEG', jpeg2000: 'JPEG 2000', jpegls: 'JPEG-LS', raw: 'none' }[c];
}

function seriesOf(a: DicomAttrs): string {
  return a.string(T.SeriesInstanceUID) ?? '';
}

function checkSize(width: number, height: number, f: FrameFormat, limits: SlideLimits, name: string): void {
  const ok = (v: number) => Number.isInteger(v) && v > 0 && v <= limits.maxDimension;
  if (!ok(width) || !ok(height) || !ok(f.rows) || !ok(f.columns)) {
    throw new SlideError(
      'dimension-limit',
      `${name} has an unusable size: ${width}×${height} pixels in ${f.columns}×${f.rows} frames.`,
    );
  }
  if (f.rows * f.columns * 4 > limits.maxTileBytes) {
    throw new SlideError(
      'allocation-limit',
      `${name} has ${f.columns}×${f.rows} frames, larger than allowed.`,
    );
  }
  if (f.samplesPerPixel !== 1 && f.samplesPerPixel !== 3) {
    throw new SlideError('unsupported-pixels', `${name} has ${f.samplesPerPixel} samples per pixel.`);
  }
}

/** µm per pixel from PixelSpacing (mm, row\column) in the shared functional groups, else top level. */
export function pixelSpacingMpp(a: DicomAttrs): number | null {
  const shared = a.items(T.SharedFunctionalGroupsSequence)[0];
  const measures = shared?.items(T.PixelMeasuresSequence)[0];
  const spacing = (measures ?? a).strings(T.PixelSpacing).map(Number);
  const column = spacing[1] ?? spacing[0];
  return column !== undefined && Number.isFinite(column) && column > 0 ? column * 1000 : null;
}

function objectiveOf(a: DicomAttrs): number | null {
  for (const path of a.items(T.OpticalPathSequence)) {
    const p = path.number(T.ObjectiveLensPower);
    if (p && p > 0) return p;
  }
  return null;
}

/** The tile map of one level from its instances (concatenations and split levels merged). */
function layoutLevel(
  instances: DicomInstance[],
  formats: (FrameFormat | undefined)[],
  members: number[],
  limits: SlideLimits,
): DicomLevelPlan {
  const first = instances[members[0]].attrs;
  const f0 = formats[members[0]] as FrameFormat;
  const width = first.number(T.TotalPixelMatrixColumns) ?? f0.columns;
  const height = first.number(T.TotalPixelMatrixRows) ?? f0.rows;
  const tilesAcross = Math.ceil(width / f0.columns);
  const tilesDown = Math.ceil(height / f0.rows);
  if (tilesAcross * tilesDown > limits.maxTagValueCount) {
    throw new SlideError('tag-limit', `A level of ${tilesAcross}×${tilesDown} tiles is more than allowed.`);
  }
  const tiles = new Map<number, TileRef>();
  let sparse = false;
  for (const i of members) {
    const inst = instances[i];
    const a = inst.attrs;
    const f = formats[i] as FrameFormat;
    if (f.columns !== f0.columns || f.rows !== f0.rows) {
      throw new SlideError(
        'corrupt',
        `${inst.name} has ${f.columns}×${f.rows} frames, unlike the rest of its level.`,
      );
    }
    const organisation = a.string(T.DimensionOrganizationType)?.toUpperCase();
    const perFrame = a.items(T.PerFrameFunctionalGroupsSequence);
    const positioned = organisation !== 'TILED_FULL' && perFrame.length >= inst.frameCount;
    if (positioned) {
      sparse = true;
      for (let k = 0; k < inst.frameCount; k++) {
        const pos = perFrame[k].items(T.PlanePositionSlideSequence)[0];
        const col = pos?.number(T.ColumnPositionInTotalImagePixelMatrix);
        const row = pos?.number(T.RowPositionInTotalImagePixelMatrix);
        if (col === undefined || row === undefined) {
          throw new SlideError(
            'corrupt',
            `${inst.name}: frame ${k + 1} has no position in the pixel matrix.`,
          );
        }
        const tx = Math.floor((col - 1) / f0.columns);
        const ty = Math.floor((row - 1) / f0.rows);
        if (tx < 0 || ty < 0 || tx >= tilesAcross || ty >= tilesDown) continue; // outside: ignore
        const key = ty * tilesAcross + tx;
        // several focal planes or optical paths: the first frame at a position wins
        if (!tiles.has(key)) tiles.set(key, { instance: i, frame: k });
      }
    } else {
      if (organisation && organisation !== 'TILED_FULL') {
        throw new SlideError(
          'corrupt',
          `${inst.name} is ${organisation} but its frames have no positions (per-frame functional groups).`,
        );
      }
      // TILED_FULL: frames fill the grid row by row (first focal plane and optical path first);
      // concatenations continue the numbering where the previous part stopped
      const offset = a.number(T.ConcatenationFrameOffsetNumber) ?? 0;
      for (let k = 0; k < inst.frameCount; k++) {
        const g = offset + k;
        if (g >= tilesAcross * tilesDown) break;
        tiles.set(g, { instance: i, frame: k });
      }
    }
  }
  return {
    width,
    height,
    tileWidth: f0.columns,
    tileHeight: f0.rows,
    tilesAcross,
    tilesDown,
    tiles,
    instances: members,
    sparse,
  };
}
