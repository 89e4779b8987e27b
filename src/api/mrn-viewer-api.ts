/**
 * Scripting API, installed as `window.mrnViewer` (for tests, benchmarks, notebooks and automation).
 *
 * ```js
 * await mrnViewer.open('https://example.org/slide.svs'); // or a File / Blob, or [File, ...] (a DICOM
 *                                   // series, a folder's files, a slide plus its annotation, a slide
 *                                   // plus its batch result folders: see openResults in analysis-api.ts)
 * await mrnViewer.ready();            // open and the first view fully drawn
 * mrnViewer.state();                  // {status, error, format, width, height, levels, mpp, name, vendor, objective,
 *                                   //  compression, associated: [{kind, width, height}] (DICOM label/overview)}
 * const r = await mrnViewer.readRegion({x: 1000, y: 2000, width: 256, height: 256, mpp: 1});
 * // r = {width, height, downsample, encoding: 'base64', data: '...'}  RGBA, row-major
 * await mrnViewer.readAssociated(0, {maxSize: 256}); // state().associated[0], scaled to fit 256²:
 * //   {kind, width, height, encoding, data} (RGBA; maxSize ≥ its size gives it pixel for pixel)
 * mrnViewer.viewport();               // {x, y, zoom}: view centre in level-0 px, CSS px per level-0 px
 * mrnViewer.setViewport({zoom: 1});   // 1 = full resolution; omitted fields keep their value
 * mrnViewer.setMpp(0.25);             // when the file has no resolution
 * await mrnViewer.stats();            // {openMs, firstViewportMs, firstViewportAt, tiles: {...}, cache: {reader: {bytes, blockBytes, rangeRequests, …}, …}}
 *                                     // firstViewportAt: performance.now() of the first complete view (ms since navigation)
 *                                     // firstView: {level, tilesRequested, draws}: the one level it loaded (null: coarse to fine), tiles asked and canvas draws by then
 * mrnViewer.methods();                // names of all methods, including ones added via registerApiMethod
 * ```
 *
 * Coordinates are level-0 pixels. `readRegion` output pixel (i, j) covers level-0
 * [x + i·d, x + (i+1)·d) with d = downsample (or mpp / slide mpp); outside the slide is white.
 * Errors reject with an Error whose message is readable by people.
 */

import type { SlideFormat, SlideLevel } from '../slide/slide-types';
import { type AppState, getState } from '../state/app-store';
import { isOnnxFile, openFiles } from '../state/open-files';
import type { RegionQuery, SessionStats, SlideSession } from '../state/slide-session';
import { toBase64 } from '../util/base64';
import type { ViewState } from '../viewer/view-math';
import { type ApiContext, onApiMethodRegistered, registeredApiMethods } from './api-registry';

export interface PublicState {
  status: AppState['status'];
  error: string | null;
  format: SlideFormat | null;
  width: number | null;
  height: number | null;
  levels: SlideLevel[];
  mpp: number | null;
  mppSource: string | null;
  name: string | null;
  vendor: string | null;
  objective: number | null;
  compression: string | null;
  /** label, overview and thumbnail images kept out of the pyramid (DICOM) */
  associated: { kind: string; width: number; height: number }[];
}

export interface RegionResult {
  width: number;
  height: number;
  downsample: number;
  encoding: 'base64' | 'array';
  /** RGBA bytes: base64 string, or an array of numbers with encoding 'array' */
  data: string | number[];
}

export interface MrnViewerApi {
  readonly version: 1;
  open(input: string | File | Blob | File[]): Promise<PublicState>;
  state(): PublicState;
  ready(): Promise<PublicState>;
  readRegion(q: Omit<RegionQuery, 'signal'> & { encoding?: 'base64' | 'array' }): Promise<RegionResult>;
  readAssociated(
    index: number,
    options?: { maxSize?: number; encoding?: 'base64' | 'array' },
  ): Promise<Omit<RegionResult, 'downsample'> & { kind: string }>;
  stats(): Promise<SessionStats>;
  viewport(): ViewState | null;
  setViewport(v: Partial<ViewState>, options?: { immediately?: boolean }): ViewState | null;
  setMpp(mpp: number): PublicState;
  methods(): string[];
  [extension: string]: unknown;
}

declare global {
  interface Window {
    mrnViewer?: MrnViewerApi;
  }
}

export function publicState(s: AppState = getState()): PublicState {
  const m = s.metadata;
  return {
    status: s.status,
    error: s.error,
    format: m?.format ?? null,
    width: m?.width ?? null,
    height: m?.height ?? null,
    levels: m?.levels.map((l) => ({ ...l })) ?? [],
    mpp: m?.mpp ?? null,
    mppSource: m?.mppSource ?? null,
    name: m?.name ?? null,
    vendor: m?.vendor ?? null,
    objective: m?.objective ?? null,
    compression: m?.compression ?? null,
    associated: m?.associated?.map((a) => ({ ...a })) ?? [],
  };
}

export function createApi(session: SlideSession): MrnViewerApi {
  const viewer = session.viewer;
  const api: MrnViewerApi = {
    version: 1,
    async open(input) {
      if (Array.isArray(input)) {
        if (!input.every((f) => f instanceof File)) throw new TypeError('open([...]) takes File objects.');
        return publicState((await openFiles(session, input)).state);
      }
      if (typeof input !== 'string' && !(input instanceof Blob)) {
        throw new TypeError('open() takes a URL string, a File or a Blob, or an array of Files.');
      }
      // a lone .onnx File is a model, as when dropped: to the ONNX import, not the slide opener
      if (input instanceof File && isOnnxFile(input))
        return publicState((await openFiles(session, [input])).state);
      return publicState(await session.open(input));
    },
    state: () => publicState(),
    ready: async () => publicState(await session.ready()),
    async readRegion(q) {
      const downsample =
        q.downsample ?? (q.mpp !== undefined ? q.mpp / (getState().metadata?.mpp ?? Number.NaN) : 1);
      const img = await session.readRegion(q);
      const encoding = q.encoding ?? 'base64';
      return {
        width: img.width,
        height: img.height,
        downsample,
        encoding,
        data: encoding === 'array' ? Array.from(img.data) : toBase64(img.data),
      };
    },
    async readAssociated(index, options = {}) {
      const img = await session.readAssociated(index, options.maxSize ?? 256);
      const encoding = options.encoding ?? 'base64';
      return {
        kind: getState().metadata?.associated?.[index]?.kind ?? '',
        width: img.width,
        height: img.height,
        encoding,
        data: encoding === 'array' ? Array.from(img.data) : toBase64(img.data),
      };
    },
    stats: () => session.stats(),
    viewport: () => viewer.getView(false),
    setViewport(v, options) {
      const cur = viewer.getView(false);
      if (!cur) throw new Error('No slide is open.');
      const next = { x: v.x ?? cur.x, y: v.y ?? cur.y, zoom: v.zoom ?? cur.zoom };
      if (![next.x, next.y, next.zoom].every(Number.isFinite) || next.zoom <= 0) {
        throw new RangeError('setViewport needs finite x, y and a zoom > 0.');
      }
      viewer.setView(next, options?.immediately ?? true);
      return viewer.getView(false);
    },
    setMpp(mpp) {
      session.setMpp(mpp);
      return publicState();
    },
    methods: () => Object.keys(api).filter((k) => typeof api[k] === 'function'),
  };
  const ctx: ApiContext = { session, getState };
  const install = (name: string, factory: (ctx: ApiContext) => unknown) => {
    if (name in api) throw new Error(`API method "${name}" would replace a built-in.`);
    api[name] = factory(ctx);
  };
  for (const [name, factory] of registeredApiMethods()) install(name, factory);
  onApiMethodRegistered(install);
  return api;
}

export function installApi(session: SlideSession): MrnViewerApi {
  const api = createApi(session);
  window.mrnViewer = api;
  return api;
}
