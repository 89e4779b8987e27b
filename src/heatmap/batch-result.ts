// A batch result folder (`npm run batch`, src/batch) read back: its manifest, summary, regions and
// the probability store itself, so the viewer shows the stored heatmap with no recomputation. The
// one description of the folder's files, shared by the writer (src/batch/node/output-layout.ts)
// and the readers here; no Node imports (the viewer reads Files and URLs).
//
// Layout: DIR/<slide-name>/index.json                  {format: 'mrn-batch-index', models: [id…]}
//         DIR/<slide-name>/<model-id>/manifest.json    written last: the folder is done
//                                   /summary.json /regions.geojson /heatmap.bin.gz /heatmap.png
//
// Usage:
//   const groups = batchFileGroups(files);                  // Files with paths → one group per folder
//   const r = await readBatchResult(fileGetter(groups[0]));  // {manifest, summary, regions, store}
//   const rs = await readBatchResultsUrl('https://host/out/slide-1/', { knownModels: ['unet'] });

import { decodeHeatmapBytes } from './heatmap-file';
import type { ProbabilityStore, StoreInfo } from './probability-store';
import type { RegionCollection } from './region-export';
import type { AnalysisSummary } from './summary';

export const MANIFEST_FORMAT = 'mrn-batch-result';
export const INDEX_FORMAT = 'mrn-batch-index';

export const FILE_NAMES = {
  summary: 'summary.json',
  regions: 'regions.geojson',
  heatmap: 'heatmap.bin.gz',
  overview: 'heatmap.png',
  manifest: 'manifest.json',
} as const;
export const INDEX_NAME = 'index.json';

/** What a job's output depends on: the slide's bytes (path or URL, size, mtime or ETag). */
export interface SlideIdentity {
  /** absolute path, or the URL as given */
  source: string;
  /** bytes, when known */
  size: number | null;
  /** modification time (ms, files) or ETag / Last-Modified (URLs); null when the server gives none */
  version: string | null;
}

export interface ModelIdentity {
  id: string;
  /** hash of the model's card, graph and weights */
  version: string;
}

export interface BatchManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  jobKey: string;
  slide: SlideIdentity & {
    name: string;
    fingerprint: string | null;
    width: number;
    height: number;
    mpp: number;
  };
  model: ModelIdentity & { name: string; exportedAt: string | null; targetMpp: number };
  /** the coarse-to-fine cascade's screen model, when it ran first (absent or null: the model ran everywhere) */
  screen?: ModelIdentity | null;
  threshold: number;
  store: StoreInfo & { cells: number };
  files: { summary: string; regions: string; heatmap: string; overview: string };
  createdAt: string;
  /** host:pid that wrote it */
  writer: string;
}

export interface BatchIndex {
  format: typeof INDEX_FORMAT;
  slide: string;
  models: string[];
}

export interface BatchResult {
  manifest: BatchManifest;
  summary: AnalysisSummary;
  regions: RegionCollection;
  store: ProbabilityStore;
  /** where it was read from: a URL or a folder path within the dropped files */
  from: string;
}

export class BatchResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchResultError';
  }
}

/** Reads one of the folder's files: bytes, or null when it is not there. */
export type FileGetter = (name: string) => Promise<Uint8Array | null>;

/** Limits: a manifest or summary is a few KB; regions of a large slide a few MB. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

function checkManifest(x: unknown, from: string): BatchManifest {
  const m = x as Partial<BatchManifest> | null;
  const fine =
    !!m &&
    m.format === MANIFEST_FORMAT &&
    m.version === 1 &&
    typeof m.model?.id === 'string' &&
    typeof m.slide?.name === 'string' &&
    Number.isInteger(m.slide?.width) &&
    Number.isInteger(m.slide?.height) &&
    typeof m.store === 'object' &&
    !!m.files &&
    typeof m.files.heatmap === 'string' &&
    typeof m.files.summary === 'string' &&
    typeof m.files.regions === 'string';
  if (!fine) {
    const what = m?.format === MANIFEST_FORMAT ? `version ${String(m.version)} or fields` : 'format';
    throw new BatchResultError(`${from}: not a batch result manifest this viewer reads (its ${what}).`);
  }
  const plain = (f: string) => /^[\w.-]+$/.test(f) && !f.startsWith('.');
  if (![m.files!.heatmap, m.files!.summary, m.files!.regions].every(plain))
    throw new BatchResultError(`${from}: the manifest names files outside its folder.`);
  return m as BatchManifest;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function json(get: FileGetter, name: string, from: string): Promise<unknown> {
  const b = await get(name);
  if (!b) throw new BatchResultError(`${from}: ${name} is missing.`);
  if (b.length > MAX_JSON_BYTES) throw new BatchResultError(`${from}: ${name} is over 64 MB.`);
  try {
    return JSON.parse(text(b));
  } catch (e) {
    throw new BatchResultError(`${from}: ${name} is not JSON (${(e as Error).message}).`);
  }
}

/** The folder's manifest, summary, regions and heatmap; the store must match the manifest. */
export async function readBatchResult(get: FileGetter, from: string): Promise<BatchResult> {
  const manifest = checkManifest(await json(get, FILE_NAMES.manifest, from), from);
  const [summary, regions, heat] = await Promise.all([
    json(get, manifest.files.summary, from) as Promise<AnalysisSummary>,
    json(get, manifest.files.regions, from) as Promise<RegionCollection>,
    get(manifest.files.heatmap),
  ]);
  if (!heat) throw new BatchResultError(`${from}: ${manifest.files.heatmap} is missing.`);
  if (typeof summary?.tumourAreaMm2 !== 'number')
    throw new BatchResultError(`${from}: ${manifest.files.summary} has no tumourAreaMm2.`);
  if (regions?.type !== 'FeatureCollection' || !Array.isArray(regions.features))
    throw new BatchResultError(`${from}: ${manifest.files.regions} is not a GeoJSON FeatureCollection.`);
  let store: ProbabilityStore;
  try {
    store = await decodeHeatmapBytes(heat);
  } catch (e) {
    throw new BatchResultError(`${from}: ${manifest.files.heatmap}: ${(e as Error).message}`);
  }
  if (store.info.modelId !== manifest.model.id || store.cellCount !== manifest.store.cells)
    throw new BatchResultError(
      `${from}: the heatmap (${store.info.modelId}, ${store.cellCount} cells) is not the manifest's (${manifest.model.id}, ${manifest.store.cells}).`,
    );
  return { manifest, summary, regions, store, from };
}

/** The path within a dropped folder, or the bare name. */
const pathOf = (f: File) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const BATCH_FILE = new Set<string>(Object.values(FILE_NAMES));

export interface FileGroup {
  /** folder within the drop ('' for files dropped loose) */
  dir: string;
  files: File[];
}

/**
 * The batch result folders among dropped files: every folder holding a manifest.json and a
 * heatmap.bin.gz (files dropped loose count as one folder). Their files, and only those, belong
 * to the result; a slide file beside them is not part of it.
 */
export function batchFileGroups(files: File[]): FileGroup[] {
  const byDir = new Map<string, File[]>();
  for (const f of files) {
    const p = pathOf(f);
    if (!BATCH_FILE.has(baseOf(p).toLowerCase())) continue;
    const d = dirOf(p);
    byDir.set(d, [...(byDir.get(d) ?? []), f]);
  }
  return [...byDir]
    .filter(([, fs]) => {
      const names = new Set(fs.map((f) => baseOf(pathOf(f)).toLowerCase()));
      return names.has(FILE_NAMES.manifest) && names.has(FILE_NAMES.heatmap);
    })
    .map(([dir, fs]) => ({ dir, files: fs }))
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

export function fileGetter(group: FileGroup): FileGetter {
  return async (name) => {
    const f = group.files.find((x) => baseOf(pathOf(x)) === name);
    return f ? new Uint8Array(await f.arrayBuffer()) : null;
  };
}

export async function readBatchFiles(files: File[]): Promise<BatchResult[]> {
  const groups = batchFileGroups(files);
  return Promise.all(groups.map((g) => readBatchResult(fileGetter(g), g.dir || 'dropped files')));
}

export interface UrlReadOptions {
  /** model ids to look for when the folder has no index.json (the viewer's own models) */
  knownModels?: string[];
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
}

function urlGetter(base: string, o: UrlReadOptions): FileGetter {
  const f = o.fetchImpl ?? fetch;
  return async (name) => {
    const res = await f(new URL(name, base), { signal: o.signal });
    if (res.status === 404) return null;
    if (!res.ok) throw new BatchResultError(`${new URL(name, base)}: HTTP ${res.status}.`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

/**
 * The results at a URL: a model folder (…/<slide-name>/<model-id>/, with manifest.json) or a slide
 * folder (…/<slide-name>/): its index.json lists the model folders; without one, the folders
 * named after `knownModels` that hold a manifest.
 */
export async function readBatchResultsUrl(url: string, o: UrlReadOptions = {}): Promise<BatchResult[]> {
  const base = new URL(url.replace(/\/manifest\.json$/, '/'), globalThis.location?.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const get = urlGetter(base.href, o);
  let failed: unknown = null;
  try {
    if (await get(FILE_NAMES.manifest)) return [await readBatchResult(get, base.href)];
  } catch (e) {
    if (e instanceof BatchResultError) throw e;
    failed = e;
  }
  let models: string[] = [];
  const index = await get(INDEX_NAME).catch(() => null);
  if (index) {
    const ix = JSON.parse(text(index)) as Partial<BatchIndex>;
    if (ix.format !== INDEX_FORMAT || !Array.isArray(ix.models))
      throw new BatchResultError(`${base.href}${INDEX_NAME} is not a batch results index.`);
    models = ix.models.filter((m): m is string => typeof m === 'string' && /^[\w.-]+$/.test(m));
  } else {
    const found = await Promise.all(
      (o.knownModels ?? []).map(async (id) =>
        (await urlGetter(`${base.href}${id}/`, o)(FILE_NAMES.manifest).catch(() => null)) ? id : null,
      ),
    );
    models = found.filter((m): m is string => m !== null);
  }
  if (models.length === 0)
    throw new BatchResultError(
      failed
        ? `No batch results could be read at ${base.href}: ${(failed as Error).message}`
        : `No batch results at ${base.href} (no manifest.json, no index.json, no folder of a known model).`,
    );
  return Promise.all(
    models.map((id) => readBatchResult(urlGetter(`${base.href}${id}/`, o), `${base.href}${id}/`)),
  );
}
