// What tells a DICOM slide apart before any of the DICOM code is loaded: the file's "DICM" magic and
// a DICOMweb series URL's shape. open-slide.ts checks these first and loads the DICOM modules (and
// dicom-parser) only for DICOM input, so a TIFF's open does not wait for their script.

import type { ByteSource } from '../byte-source';

/** `<root>/studies/<study UID>/series/<series UID>`: the root, study and series */
export const SERIES_PATH = /^(.*)\/studies\/([0-9.]+)\/series\/([0-9.]+)\/?$/;

export function isDicomWebSeriesUrl(url: string): boolean {
  return SERIES_PATH.test(url.split(/[?#]/)[0]);
}

/** A DICOM Part 10 file: "DICM" after the 128-byte preamble. */
export async function isDicomFile(source: ByteSource, signal?: AbortSignal): Promise<boolean> {
  const head = await source.read(128, 4, signal);
  return head.byteLength === 4 && String.fromCharCode(...head) === 'DICM';
}
