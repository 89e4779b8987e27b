// Opens a batch slide with the viewer's reader: local files are read in place through a Blob
// (fs.openAsBlob: ranges, never the whole file), URLs with HTTP range requests. Node only.
//
// Usage:
//   const source = await openInput(input, signal);   // SlideReader; close() it
//   const truth = await truthFor(input, truthArg);    // { text, name } | null

import { existsSync, openAsBlob, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sidecarUrl } from '../../analysis/ground-truth';
import { createSharpJpegDecoder } from '../../slide/decoders/node/jpeg-sharp';
import { openSlide } from '../../slide/open-slide';
import { SlideError } from '../../slide/slide-error';
import type { SlideReader } from '../../slide/tiff-slide';
import type { TruthText } from '../analyze-slide';
import type { SlideInput } from './slide-inputs';

export async function openInput(input: SlideInput, signal?: AbortSignal): Promise<SlideReader> {
  const jpegDecoder = createSharpJpegDecoder();
  if (input.kind === 'url') return openSlide(input.source, { signal, jpegDecoder });
  if (input.kind === 'dicom-folder')
    throw new SlideError(
      'unsupported-format',
      `${input.source} is a DICOM folder; the reader here does not open DICOM yet.`,
    );
  if (!existsSync(input.source)) throw new Error(`${input.source}: no such file.`);
  const blob = await openAsBlob(input.source);
  return openSlide(blob, { signal, jpegDecoder, name: basename(input.source) });
}

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
