// Opens a DICOM WSI from local files (any number: levels, concatenations, labels; a folder's
// worth) or from one file at a URL (range reads), as a PyramidSlide.

import { BlobSource, type ByteSource } from '../byte-source';
import { ChunkedSource } from '../chunked-source';
import { tileCounters } from '../pyramid-slide';
import { SlideError } from '../slide-error';
import { planLevels, slideLevels } from '../slide-levels';
import type { SlideLimits } from '../slide-limits';
import type { SlideReader } from '../slide-reader';
import type { SlideMetadata } from '../slide-types';
import { TileCache } from '../tile-cache';
import type { CodecEnv } from './dicom-codec';
import { type DicomFile, readDicomFile, readFrame } from './dicom-file';
import { DicomTileLevel, type FrameSource } from './dicom-level';
import { buildPyramid, type DicomInstance, type DicomPyramid } from './dicom-series';
import { DicomSlide } from './dicom-slide';

export interface DicomOpenOptions {
  limits: SlideLimits;
  env: CodecEnv;
  signal?: AbortSignal;
  name?: string;
}

/** Most files opened together as one slide. */
export const MAX_DICOM_FILES = 4096;

export async function openDicomFiles(files: Blob[], o: DicomOpenOptions): Promise<SlideReader> {
  if (files.length > MAX_DICOM_FILES) {
    throw new SlideError(
      'tag-limit',
      `${files.length} files are more than the ${MAX_DICOM_FILES} one slide may have.`,
    );
  }
  const sources = files.map((f) => new ChunkedSource(new BlobSource(f, o.limits.readTimeoutMs)));
  return openDicomSources(sources, o);
}

export async function openDicomSources(sources: ByteSource[], o: DicomOpenOptions): Promise<SlideReader> {
  try {
    const parsed: DicomFile[] = [];
    for (const s of sources) parsed.push(await readDicomFile(s, o.limits, o.signal));
    const instances: DicomInstance[] = parsed.map((f) => ({
      name: f.name,
      attrs: f.attrs,
      transferSyntax: f.transferSyntax,
      frameCount: f.frames.length,
    }));
    const what = sources.length === 1 ? sources[0].name : `These ${sources.length} files`;
    const pyramid = buildPyramid(instances, o.limits, what);
    const frames: FrameSource = {
      frame: (i, k, signal) => readFrame(parsed[i], k, signal),
      frameParts(i, k) {
        const extent = parsed[i].frames[k];
        const slice = parsed[i].source.slice;
        return extent.length === 1 && !extent[0].items && slice
          ? [slice.call(parsed[i].source, extent[0].offset, extent[0].offset + extent[0].length)]
          : null;
      },
      close: () => {
        for (const s of sources) s.close();
      },
    };
    const byteLength = sources.reduce((n, s) => n + (s.size ?? 0), 0);
    const name = o.name ?? (sources.length === 1 ? sources[0].name : commonName(sources.map((s) => s.name)));
    return pyramidSlide(pyramid, frames, o, name, byteLength);
  } catch (e) {
    for (const s of sources) s.close();
    throw e;
  }
}

/** The PyramidSlide over a laid-out DICOM pyramid and its frames (files or DICOMweb). */
export function pyramidSlide(
  pyramid: DicomPyramid,
  frames: FrameSource,
  o: DicomOpenOptions,
  name: string,
  byteLength: number | null,
): SlideReader {
  const plans = planLevels(pyramid.levels);
  const metadata: SlideMetadata = {
    name,
    format: 'dicom',
    bigTiff: false,
    vendor: pyramid.vendor,
    width: pyramid.levels[0].width,
    height: pyramid.levels[0].height,
    levels: slideLevels(plans),
    mpp: pyramid.mpp,
    mppSource: pyramid.mpp === null ? null : 'dicom',
    objective: pyramid.objective,
    compression: pyramid.compression,
    byteLength,
    associated: pyramid.associated.map(({ kind, width, height }) => ({ kind, width, height })),
  };
  const cache = new TileCache(o.limits.tileCacheBytes);
  const counters = tileCounters(cache);
  const levels = pyramid.levels.map((lv) => new DicomTileLevel(lv, pyramid.formats, frames, o.env, counters));
  const source: ByteSource = {
    name,
    size: byteLength,
    read: () => Promise.reject(new Error('unused')),
    close: () => frames.close(),
  };
  return new DicomSlide(
    { metadata, plans, levels, source, cache, counters, limits: o.limits },
    pyramid,
    frames,
    o.env,
  );
}

/** A folder's files share a prefix (wsi-000000.dcm …); name the slide after it. */
function commonName(names: string[]): string {
  let p = names[0] ?? 'slide';
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  p = p.replace(/[-_.\s]+$/, '');
  return p.length >= 3 ? `${p} (DICOM, ${names.length} files)` : `${names[0]} + ${names.length - 1} files`;
}
