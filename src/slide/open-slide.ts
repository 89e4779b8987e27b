// openSlide: the entry point of the slide layer. Pure TypeScript; runs in Node and in workers.
//
// Where a new format plugs in: detect it in openSlide below (from the first bytes or the parsed
// TIFF directories), build its native levels as LevelTiles (level-tiles.ts) and hand them to
// PyramidSlide, which supplies synthetic levels, readRegion, caching and the JPEG fast paths. A
// format that cannot be cut into levels that way may return any other SlideReader instead.

import { BlockCache } from './block-cache';
import { BlobSource, type ByteSource } from './byte-source';
import { ChunkedSource } from './chunked-source';
import { type CoalescingOptions, CoalescingSource } from './coalescing-source';
import type { DecoderEnv } from './decoders/decoder-registry';
import type { DecoderPool } from './decoders/geotiff-pool';
import type { JpegDecoder } from './decoders/jpeg-decoder';
import { createNativeJpegDecoder } from './decoders/jpeg-native';
import { createSharpJpegDecoder } from './decoders/node/jpeg-sharp';
import { decodePlainImageNode } from './decoders/node/plain-image-node';
import { decodePlainImageInBrowser, type PlainImageDecoder } from './decoders/plain-image-decoder';
import { isDicomFile, isDicomWebSeriesUrl } from './dicom/dicom-detect';
import { openHttpSource } from './http-source';
import { isNdpi } from './ndpi-structure';
import { checkPlainImageSize, PlainImageLevel } from './plain-image-level';
import { PLAIN_IMAGE_LABEL, plainImageKind, probePlainImage } from './plain-image-probe';
import { PyramidSlide, tileCounters } from './pyramid-slide';
import { isAbortError, isSlideError, SlideError } from './slide-error';
import { planLevels, slideLevels } from './slide-levels';
import { resolveLimits, type SlideLimits } from './slide-limits';
import type { SlideReader } from './slide-reader';
import { fetchSidecar, sidecarMpp } from './slide-sidecar';
import { describeSlide } from './slide-structure';
import type { SlideMetadata } from './slide-types';
import { parseTiff } from './tiff-parser';
import { TiffTileLevel } from './tiff-slide';
import { checkStripSize, TiffStripLevel } from './tiff-strip-level';
import { compressionName } from './tiff-tags';
import { TileCache } from './tile-cache';

export interface OpenSlideOptions {
  signal?: AbortSignal;
  limits?: Partial<SlideLimits>;
  /** fetch to use for URLs (tests inject one) */
  fetchImpl?: typeof fetch;
  /** JPEG decoder; default: the platform decoder where OffscreenCanvas exists, else sharp */
  jpegDecoder?: JpegDecoder;
  /** browser URL of @cornerstonejs/codec-openjpeg's openjpegwasm_decode.wasm */
  openjpegWasmUrl?: string;
  /** browser URL of @cornerstonejs/codec-charls's charlswasm_decode.wasm (DICOM JPEG-LS) */
  charlsWasmUrl?: string;
  /** DICOMweb: bearer token sent with every request (kept in memory only) */
  bearerToken?: string;
  /** worker pool for LZW tiles (the slide worker passes geotiff's) */
  decoderPool?: DecoderPool;
  /** display name (default: file name or URL) */
  name?: string;
  /**
   * The text of the slide's `<name>.json` sidecar ({"mpp": 0.62}), read for plain images; null when
   * there is none. Default: fetched beside a URL; none for a Blob (Node: node/sidecar-file.ts).
   */
  sidecar?: () => Promise<string | null>;
  /** whole-image decoder for PNG, JPEG, BMP and WebP (tests inject one) */
  plainImageDecoder?: PlainImageDecoder;
  /**
   * URLs: merge neighbouring reads into one range request (coalescing-source.ts). Default on;
   * false sends one request per read (the benchmark's baseline); an object sets the limits.
   */
  coalesce?: boolean | Partial<CoalescingOptions>;
}

const browserLike = () => typeof OffscreenCanvas !== 'undefined' && typeof createImageBitmap === 'function';

export function defaultJpegDecoder(): JpegDecoder {
  return browserLike() ? createNativeJpegDecoder() : createSharpJpegDecoder();
}

/** DICOM's modules and dicom-parser load only for DICOM input: a TIFF's open never waits for them. */
const loadDicom = () => import('./dicom/open-dicom');

export async function openSlide(
  input: Blob | Blob[] | string,
  options: OpenSlideOptions = {},
): Promise<SlideReader> {
  const limits = resolveLimits(options.limits);
  const { signal } = options;
  signal?.throwIfAborted();
  const dicomEnv = () => ({
    jpeg: options.jpegDecoder ?? defaultJpegDecoder(),
    openjpegWasmUrl: options.openjpegWasmUrl,
    charlsWasmUrl: options.charlsWasmUrl,
  });
  // several files are one DICOM slide (a TIFF is always one file); a DICOMweb series URL too
  if (Array.isArray(input)) {
    if (input.length !== 1)
      return (await loadDicom()).openDicomFiles(input, {
        limits,
        signal,
        env: dicomEnv(),
        name: options.name,
      });
    input = input[0];
  }
  if (typeof input === 'string' && isDicomWebSeriesUrl(input)) {
    return (await import('./dicom/dicomweb')).openDicomWeb(input, {
      limits,
      signal,
      env: dicomEnv(),
      name: options.name,
      fetchImpl: options.fetchImpl,
      bearerToken: options.bearerToken,
    });
  }
  let source: ByteSource;
  /** what the directory is read through (see below) */
  let directorySource: ByteSource | null = null;
  if (typeof input === 'string') {
    source = await openHttpSource(input, {
      fetchImpl: options.fetchImpl,
      signal,
      readTimeoutMs: limits.readTimeoutMs,
      fullDownloadCapBytes: limits.fullDownloadCapBytes,
      maxRetries: limits.maxRetries,
    });
    // a file downloaded whole (the server ignored Range) has no requests to save
    if (source.requests !== undefined && options.coalesce !== false) {
      const o = typeof options.coalesce === 'object' ? options.coalesce : {};
      // directory reads follow one another (each IFD names the next): merged only within a task,
      // so that none waits out the tiles' window (4 ms each, five times on an SVS's open)
      directorySource = new CoalescingSource(source, { ...o, windowMs: 0 });
      source = new CoalescingSource(source, o);
    }
  } else {
    source = new ChunkedSource(new BlobSource(input, limits.readTimeoutMs));
  }
  const name = options.name ?? displayName(input, source);
  try {
    if (source.size === 0) throw new SlideError('empty-file', `The file ${name} is empty (0 bytes).`);
    if (await isDicomFile(source, signal)) {
      return await (await loadDicom()).openDicomSources([source], { limits, signal, env: dicomEnv(), name });
    }
    const blocks = new BlockCache(directorySource ?? source, 64 * 1024, limits.blockCacheBytes);
    const head = await blocks.read(0, 64 * 1024, signal);
    const plain = plainImageKind(head);
    if (plain) {
      const sidecar =
        options.sidecar ??
        (typeof input === 'string' ? () => fetchSidecar(input, options.fetchImpl, signal) : undefined);
      return await openPlainImage(plain, head, { source, blocks, name, limits, options, sidecar });
    }
    // a remote file's directories are a chain, each read only once the one before has named it:
    // its tail comes at once beside the first (an SVS: 6 reads in a row down to 3, slide-limits.ts)
    const size = source.size;
    if (
      source.requests !== undefined &&
      size !== null &&
      limits.directoryTailBytes > 0 &&
      size > head.byteLength
    ) {
      blocks.prefetchSpan(Math.max(head.byteLength, size - limits.directoryTailBytes), size);
    }
    const tiff = await parseTiff(blocks, limits, signal, name);
    if (isNdpi(tiff)) {
      const jpeg = options.jpegDecoder ?? defaultJpegDecoder();
      const { openNdpi } = await import('./open-ndpi');
      return await openNdpi({ tiff, source, blocks, name, limits, jpeg, signal });
    }
    const structure = describeSlide(tiff, name, limits);
    const env: DecoderEnv = {
      jpeg: options.jpegDecoder ?? defaultJpegDecoder(),
      openjpegWasmUrl: options.openjpegWasmUrl,
      pool: options.decoderPool,
    };
    const cache = new TileCache(limits.tileCacheBytes);
    const counters = tileCounters(cache);
    const levels = structure.levels.map((lv) => {
      if (lv.layout === 'tiles') return new TiffTileLevel(lv, source, env, limits, counters, name);
      checkStripSize(lv, name, limits);
      return new TiffStripLevel(lv, source, env, limits, counters, name);
    });
    const plans = planLevels(levels);
    const base = structure.levels[0];
    const metadata: SlideMetadata = {
      name,
      format: structure.format,
      bigTiff: tiff.bigTiff,
      vendor: structure.vendor,
      width: base.width,
      height: base.height,
      levels: slideLevels(plans),
      mpp: structure.mpp,
      mppSource: structure.mppSource,
      objective: structure.objective,
      compression: compressionName(base.compression),
      byteLength: source.size,
    };
    return new PyramidSlide({
      metadata,
      plans,
      levels,
      source,
      cache,
      counters,
      limits,
      blocks,
      jpeg: env.jpeg,
    });
  } catch (e) {
    source.close();
    if (isSlideError(e) || isAbortError(e)) throw e;
    // Anything else escaping the parser is a bug or a damaged file; still give a sentence.
    throw new SlideError('corrupt', `${name} could not be read: ${(e as Error)?.message ?? String(e)}.`, {
      cause: e,
    });
  }
}

function displayName(input: Blob | string, source: ByteSource): string {
  if (typeof input !== 'string') return source.name;
  try {
    const u = new URL(input, typeof location !== 'undefined' ? location.href : 'http://localhost/');
    return decodeURIComponent(u.pathname.split('/').pop() || u.host);
  } catch {
    return input;
  }
}

interface OpenContext {
  source: ByteSource;
  blocks: BlockCache;
  name: string;
  limits: SlideLimits;
  options: OpenSlideOptions;
  sidecar?: () => Promise<string | null>;
}

async function openPlainImage(
  kind: NonNullable<ReturnType<typeof plainImageKind>>,
  head: Uint8Array,
  { source, blocks, name, limits, options, sidecar }: OpenContext,
): Promise<SlideReader> {
  const header = probePlainImage(head, kind);
  if (!header) {
    throw new SlideError(
      'corrupt',
      `${name} looks like a ${PLAIN_IMAGE_LABEL[kind]} image, but its header is damaged (no image size found).`,
    );
  }
  checkPlainImageSize(header, name, limits);
  const mpp = sidecarMpp((await sidecar?.()) ?? null);
  const cache = new TileCache(limits.tileCacheBytes);
  const counters = tileCounters(cache);
  const level = new PlainImageLevel(
    header,
    source,
    options.plainImageDecoder ?? (browserLike() ? decodePlainImageInBrowser : decodePlainImageNode),
    counters,
    name,
  );
  const plans = planLevels([level]);
  const metadata: SlideMetadata = {
    name,
    format: 'plain-image',
    bigTiff: false,
    vendor: null,
    width: header.width,
    height: header.height,
    levels: slideLevels(plans),
    mpp,
    mppSource: mpp === null ? null : 'sidecar',
    objective: null,
    compression: PLAIN_IMAGE_LABEL[kind],
    byteLength: source.size,
  };
  return new PyramidSlide({ metadata, plans, levels: [level], source, cache, counters, limits, blocks });
}
