// Opens a batch slide with the viewer's reader: local files are read in place through a Blob
// (fs.openAsBlob: ranges, never the whole file), a DICOM folder's files likewise (one slide), URLs
// with HTTP range requests. Node only.
//
// Usage:
//   const source = await openInput(input, signal);   // SlideReader; close() it
//   const truth = await truthFor(input, truthArg);    // { text, name } | null

import { existsSync, openAsBlob, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sidecarUrl } from '../../analysis/ground-truth';
import { createSharpJpegDecoder } from '../../slide/decoders/node/jpeg-sharp';
import { MAX_DICOM_FILES } from '../../slide/dicom/open-dicom';
import { openSlide } from '../../slide/open-slide';
import { SlideError } from '../../slide/slide-error';
import type { SlideReader } from '../../slide/tiff-slide';
import type { TruthText } from '../analyze-slide';
import type { SlideInput } from './slide-inputs';

export async function openInput(input: SlideInput, signal?: AbortSignal): Promise<SlideReader> {
  const jpegDecoder = createSharpJpegDecoder();
  if (input.kind === 'url') return openSlide(input.source, { signal, jpegDecoder });
  if (input.kind === 'dicom-folder') return openDicomFolder(input, signal, jpegDecoder);
  if (!existsSync(input.source)) throw new Error(`${input.source}: no such file.`);
  const blob = await openAsBlob(input.source);
  return openSlide(blob, { signal, jpegDecoder, name: basename(input.source) });
}

/**
 * A DICOM folder is one slide: every file in it (a series' instances: levels, a level split over
 * files, LABEL/OVERVIEW) read in place, as the viewer reads a dropped folder. Files that are not
 * DICOM are left to the DICOM reader, which skips or names them.
 */
async function openDicomFolder(
  input: SlideInput,
  signal: AbortSignal | undefined,
  jpegDecoder: ReturnType<typeof createSharpJpegDecoder>,
): Promise<SlideReader> {
  if (!existsSync(input.source)) throw new Error(`${input.source}: no such folder.`);
  const files = readdirSync(input.source, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && DICOM_FILE.test(e.name))
    .map((e) => join(input.source, e.name))
    .sort();
  if (files.length === 0)
    throw new SlideError('unsupported-format', `${input.source} holds no DICOM (.dcm) files.`);
  if (files.length > MAX_DICOM_FILES)
    throw new SlideError(
      'allocation-limit',
      `${input.source} holds ${files.length} DICOM files; one slide may have at most ${MAX_DICOM_FILES}.`,
    );
  const blobs = await Promise.all(files.map((f) => openAsBlob(f)));
  return openSlide(blobs, { signal, jpegDecoder, name: basename(input.source) });
}

const DICOM_FILE = /\.(dcm|dicom)$/i;

const TRUTH_EXTENSIONS = ['.geojson', '.xml', '.json'];

async function readTruth(path: string): Promise<TruthText> {
  return { text: await readFile(path, 'utf8'), name: basename(path) };
}

/**
 * Ground truth for a slide: `truthArg` as a file (one slide), or a folder holding
 * `<slide-name>.geojson|.xml|.json`; else the slide's own `<stem>.geojson` sidecar, as the viewer
 * loads beside a slide URL. Null when there is none.
 */
export async function truthFor(
  input: SlideInput,
  truthArg?: string,
  fetchImpl: typeof fetch = fetch,
): Promise<TruthText | null> {
  if (truthArg) {
    if (statSync(truthArg).isFile()) return readTruth(truthArg);
    for (const ext of TRUTH_EXTENSIONS) {
      const p = join(truthArg, `${input.name}${ext}`);
      if (existsSync(p)) return readTruth(p);
    }
    return null;
  }
  const side = sidecarUrl(input.source);
  if (!side || side === input.source) return null;
  if (input.kind === 'file') return existsSync(side) ? readTruth(side) : null;
  if (input.kind !== 'url') return null;
  try {
    const res = await fetchImpl(side);
    if (!res.ok || !/json/.test(res.headers.get('content-type') ?? '')) return null;
    return { text: await res.text(), name: side.split('/').pop() ?? 'ground truth' };
  } catch {
    return null;
  }
}
