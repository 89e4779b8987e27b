// Where a batch result goes and how to tell it is done. Node only (node:fs).
//
// Layout: DIR/<slide-name>/<model-id>/
//   summary.json      the viewer's analysis summary (buildSummary)
//   regions.geojson   tumour regions, QuPath-importable (tumourRegions)
//   heatmap.bin.gz    the probability store, gzip'd (src/heatmap/heatmap-file.ts); the viewer's layer
//   heatmap.png       a colour overview, at most 2048 px a side
//   manifest.json     written last: slide and model identity, job key, store geometry, file names
// A folder whose manifest carries the current job key is done (same slide bytes, same model files).
//
// Usage:
//   const paths = outputPaths('out', 'slide-1', 'unet');
//   if (!force && (await isDone(paths, key))) skip();
//   const owners = await nameOwners('out');   // name → slide source, for assignNames

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { StoreInfo } from '../../heatmap/probability-store';
import type { ModelIdentity, SlideIdentity } from './job-key';

export const MANIFEST_FORMAT = 'mrn-batch-result';

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
  threshold: number;
  store: StoreInfo & { cells: number };
  files: { summary: string; regions: string; heatmap: string; overview: string };
  createdAt: string;
  /** host:pid that wrote it */
  writer: string;
}

export interface OutputPaths {
  dir: string;
  summary: string;
  regions: string;
  heatmap: string;
  overview: string;
  manifest: string;
}

export const FILE_NAMES = {
  summary: 'summary.json',
  regions: 'regions.geojson',
  heatmap: 'heatmap.bin.gz',
  overview: 'heatmap.png',
  manifest: 'manifest.json',
} as const;

export function outputPaths(outDir: string, slideName: string, modelId: string): OutputPaths {
  const dir = join(resolve(outDir), slideName, modelId);
  return {
    dir,
    summary: join(dir, FILE_NAMES.summary),
    regions: join(dir, FILE_NAMES.regions),
    heatmap: join(dir, FILE_NAMES.heatmap),
    overview: join(dir, FILE_NAMES.overview),
    manifest: join(dir, FILE_NAMES.manifest),
  };
}

export async function readManifest(path: string): Promise<BatchManifest | null> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as BatchManifest;
    return m?.format === MANIFEST_FORMAT ? m : null;
  } catch {
    return null;
  }
}

/** Done = a manifest with this job key and every file it names present. */
export async function isDone(paths: OutputPaths, key: string): Promise<boolean> {
  const m = await readManifest(paths.manifest);
  if (!m || m.jobKey !== key) return false;
  return Object.values(m.files).every((f) => existsSync(join(paths.dir, f)));
}

/** Output names already taken in `outDir`, with the slide source that owns each. */
export function nameOwners(outDir: string): Map<string, string> {
  const owners = new Map<string, string>();
  const root = resolve(outDir);
  if (!existsSync(root)) return owners;
  for (const slide of readdirSync(root, { withFileTypes: true })) {
    if (!slide.isDirectory() || slide.name.startsWith('.')) continue;
    for (const model of readdirSync(join(root, slide.name), { withFileTypes: true })) {
      if (!model.isDirectory()) continue;
      try {
        const m = JSON.parse(readFileSync(join(root, slide.name, model.name, FILE_NAMES.manifest), 'utf8'));
        if (m?.format === MANIFEST_FORMAT && typeof m.slide?.source === 'string') {
          owners.set(slide.name, m.slide.source);
          break;
        }
      } catch {
        // no manifest (yet): not claimed
      }
    }
  }
  return owners;
}
