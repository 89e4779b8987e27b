// The real data tests read from ../shared (beside the repository; see its README), named once.
// Node only. Tests that need a file ask `sharedAvailable(why, ...files)`: when a file is absent it
// says so, one line on stderr naming the test and the file, so a run without ../shared lists what
// it skipped instead of passing silently.
//
// Usage:
//   const svs = sharedPath('cmuSvs');
//   const jpegLs = sharedPath('dicomSamples', 'hd_sm_image_jpegls.dcm');
//   describe.skipIf(!sharedAvailable('OpenSlide parity', 'cmuSvs', 'camelyonLevel5'))(...)
//   test.skip(!sharedAvailable('tile decode of the SVS', 'cmuSvs'), sharedSkipReason('cmuSvs'))

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** ../shared from the repository root (this file is src/util/node/shared-data.ts). */
export const SHARED_ROOT = resolve(import.meta.dirname, '../../../../shared');

export const SHARED_FILES = {
  /** Aperio SVS, 2220×2967, 240² RGB-coded JPEG tiles, 0.499 µm/px (OpenSlide test data, CC0) */
  cmuSvs: 'slides/cmu-1-small-region.svs',
  /** CAMELYON16 Tumor_001 level 5: 3072×7168, 512² YCbCr JPEG tiles, no resolution tags */
  camelyonLevel5: 'slides/camelyon16-tumor001-level5.tif',
  /** its expert tumour polygons, NCRF JSON, level-0 coordinates (÷32 for the level-5 file) */
  camelyonNcrf: 'annotations/camelyon16-tumor001.ncrf.json',
  /** a CAMELYON17 ASAP XML annotation (three tumour polygons), no slide */
  camelyon17Asap: 'annotations/camelyon17-patient004-node4.asap.xml',
  /** a real Hamamatsu NDPI (fluorescence, 3968×4864, 4 JPEG levels with McuStarts, 0.228 µm/px, 40×) */
  ndpi: 'formats/ndpi/slideio-test3-tritc.ndpi',
  /** GlaS gland segmentation challenge folder (train/, testA/, Grade.csv) */
  glas: 'glas',
  /** the slides folder (served whole by the e2e specs and the tile bench) */
  slides: 'slides',
  /** DICOM WSI samples (highdicom, panimg: full/sparse, offset tables, JPEG-LS, grey, SEG, ANN) */
  dicomSamples: 'formats/dicom',
  /** DICOMweb series metadata (JSON) of public WSI studies */
  dicomwebMetadata: 'formats/dicomweb-metadata',
  /** Hamamatsu NDPI samples */
  ndpiSamples: 'formats/ndpi',
} as const;

export type SharedFile = keyof typeof SHARED_FILES;

/** The file, or with `inside` a path inside the folder, e.g. sharedPath('dicomSamples', 'hd_sm_image.dcm'). */
export function sharedPath(file: SharedFile, ...inside: string[]): string {
  return join(SHARED_ROOT, SHARED_FILES[file], ...inside);
}

const reported = new Set<string>();

/** The files of `files` that are absent, as ../shared-relative paths. */
export function missingShared(...files: SharedFile[]): string[] {
  return files.filter((f) => !existsSync(sharedPath(f))).map((f) => `../shared/${SHARED_FILES[f]}`);
}

/** A skip reason naming the absent files, or '' when all are there. */
export function sharedSkipReason(...files: SharedFile[]): string {
  const missing = missingShared(...files);
  return missing.length ? `needs ${missing.join(', ')} (absent)` : '';
}

/**
 * True when every file is there; otherwise reports `what` as skipped, once, on stderr.
 * `what` names the tests that need the files.
 */
export function sharedAvailable(what: string, ...files: SharedFile[]): boolean {
  const reason = sharedSkipReason(...files);
  if (!reason) return true;
  const line = `skipped: ${what}: ${reason}`;
  if (!reported.has(line)) {
    reported.add(line);
    process.stderr.write(`${line}\n`);
  }
  return false;
}
