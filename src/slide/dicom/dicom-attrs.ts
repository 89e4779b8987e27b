// One read-only view of a DICOM data set, whether it came from a Part 10 file (dicom-parser) or
// from a DICOMweb JSON metadata answer (PS3.18 F.2), so the WSI logic is written once.

import type { DataSet } from 'dicom-parser';

export interface DicomAttrs {
  /** first value of a string attribute (CS, UI, LO, DS, IS, …), trimmed; undefined when absent */
  string(tag: string): string | undefined;
  /** all values of a multi-valued string attribute */
  strings(tag: string): string[];
  /** first numeric value (US, UL, SL, FL, FD, or DS/IS as text) */
  number(tag: string): number | undefined;
  /** items of a sequence; [] when absent */
  items(tag: string): DicomAttrs[];
  has(tag: string): boolean;
}

/** Tags as 8 upper-case hex digits, the DICOMweb JSON spelling (dicom-parser wants 'x' + lower). */
export const T = {
  TransferSyntaxUID: '00020010',
  ImageType: '00080008',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  Modality: '00080060',
  Manufacturer: '00080070',
  ManufacturerModelName: '00081090',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  ContainerIdentifier: '00400512',
  ConcatenationFrameOffsetNumber: '00209228',
  DimensionOrganizationType: '00209311',
  SamplesPerPixel: '00280002',
  PhotometricInterpretation: '00280004',
  PlanarConfiguration: '00280006',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  PixelSpacing: '00280030',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  PixelMeasuresSequence: '00289110',
  TotalPixelMatrixColumns: '00480006',
  TotalPixelMatrixRows: '00480007',
  OpticalPathSequence: '00480105',
  ObjectiveLensPower: '00480113',
  PlanePositionSlideSequence: '0048021A',
  ColumnPositionInTotalImagePixelMatrix: '0048021E',
  RowPositionInTotalImagePixelMatrix: '0048021F',
  SharedFunctionalGroupsSequence: '52009229',
  PerFrameFunctionalGroupsSequence: '52009230',
  ExtendedOffsetTable: '7FE00001',
  ExtendedOffsetTableLengths: '7FE00002',
  PixelData: '7FE00010',
} as const;

const NUMERIC_BINARY: Record<string, (d: DataSet, t: string) => number | undefined> = {
  US: (d, t) => d.uint16(t),
  UL: (d, t) => d.uint32(t),
  SS: (d, t) => d.int16(t),
  SL: (d, t) => d.int32(t),
  FL: (d, t) => d.float(t),
  FD: (d, t) => d.double(t),
};

/** A dicom-parser DataSet (explicit VR expected; implicit VR falls back on value size). */
export function fromDataSet(ds: DataSet): DicomAttrs {
  const key = (tag: string) => `x${tag.toLowerCase()}`;
  return {
    has: (tag) => key(tag) in ds.elements,
    string(tag) {
      const v = ds.string(key(tag));
      return v === undefined || v === '' ? undefined : v.trim();
    },
    strings(tag) {
      const el = ds.elements[key(tag)];
      if (!el || el.length === 0) return [];
      return readAll(ds, key(tag))
        .split('\\')
        .map((s) => s.trim());
    },
    number(tag) {
      const k = key(tag);
      const el = ds.elements[k];
      if (!el || el.length === 0) return undefined;
      const binary = el.vr ? NUMERIC_BINARY[el.vr] : undefined;
      if (binary) return binary(ds, k);
      if (!el.vr && el.length === 2) return ds.uint16(k);
      if (!el.vr && el.length === 4) return ds.uint32(k);
      const n = Number(readAll(ds, k).split('\\')[0]);
      return Number.isFinite(n) ? n : undefined;
    },
    items(tag) {
      const el = ds.elements[key(tag)];
      return (el?.items ?? []).flatMap((i) => (i.dataSet ? [fromDataSet(i.dataSet)] : []));
    },
  };
}

/** The whole value of an element as text (dicom-parser's string() returns one value only). */
function readAll(ds: DataSet, k: string): string {
  const el = ds.elements[k];
  if (!el) return '';
  let s = '';
  for (let i = 0; i < el.length; i++) {
    const c = ds.byteArray[el.dataOffset + i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim();
}

type JsonValue = { vr?: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string };
export type DicomJson = Record<string, JsonValue>;

/** One instance of a DICOMweb JSON metadata answer. */
export function fromJson(obj: DicomJson): DicomAttrs {
  const get = (tag: string) => obj[tag] ?? obj[tag.toLowerCase()];
  return {
    has: (tag) => get(tag) !== undefined,
    string(tag) {
      const v = get(tag)?.Value?.[0];
      if (v === undefined || v === null) return undefined;
      const s = typeof v === 'object' ? String((v as { Alphabetic?: string }).Alphabetic ?? '') : String(v);
      return s.trim() || undefined;
    },
    strings(tag) {
      return (get(tag)?.Value ?? []).map((v) => String(v).trim());
    },
    number(tag) {
      const v = get(tag)?.Value?.[0];
      const n = typeof v === 'number' ? v : Number(v);
      return v === undefined || v === null || !Number.isFinite(n) ? undefined : n;
    },
    items(tag) {
      return (get(tag)?.Value ?? [])
        .filter((v) => typeof v === 'object' && v)
        .map((v) => fromJson(v as DicomJson));
    },
  };
}
