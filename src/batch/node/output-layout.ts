// Where a batch result goes and how to tell it is done. Node only (node:fs).
//
// Layout: DIR/<slide-name>/<model-id>/
//   summary.json      the viewer's analysis summary (buildSummary)
//   regions.geojson   tumour regions, QuPath-importable (tumourRegions)
//   heatmap.bin.gz    the probability store, gzip'd (src/heatmap/heatmap-file.ts); the viewer's layer
//   heatmap.png       a colour overview, at most 2048 px a side
//   manifest.json     written last: slide and model identity, job key, store geometry, file names
// and DIR/<slide-name>/index.json, the model folders done (src/heatmap/batch-result.ts reads it).
// A folder whose manifest carries the current job key is done (same slide bytes, same model files).
//
// Usage:
//   const paths = outputPaths('out', 'slide-1', 'unet');
//   if (!force && (await isDone(paths, key))) skip();
//   const owners = await nameOwners('out');   // name → slide source, for assignNames

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type BatchIndex,
  type BatchManifest,
  FILE_NAMES,
  INDEX_FORMAT,
  INDEX_NAME,
  MANIFEST_FORMAT,
} from '../../heatmap/batch-result';

// the folder's description is shared with the viewer, which reads it back
export { type BatchManifest, FILE_NAMES, MANIFEST_FORMAT };

export interface OutputPaths {
  dir: string;
  summary: string;
  regions: string;
  heatmap: string;
  overview: string;
  manifest: string;
}

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

/** The model folders of one slide's output that hold a finished manifest, sorted. */
export function finishedModels(slideDir: string): string[] {
  if (!existsSync(slideDir)) return [];
  return readdirSync(slideDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .filter((d) => {
      try {
        const m = JSON.parse(readFileSync(join(slideDir, d.name, FILE_NAMES.manifest), 'utf8'));
        return m?.format === MANIFEST_FORMAT;
      } catch {
        return false;
      }
    })
    .map((d) => d.name)
    .sort();
}

/**
 * Rewrites DIR/<slide-name>/index.json (the model folders done), which the viewer reads to open a
 * slide's results by URL (a server lists no folders). Two workers finishing two models of one
 * slide at once may each list before the other's manifest lands: each lists again after writing
 * and rewrites while the listing changed, so the last writer's index names both.
 */
export async function writeIndex(
  slideDir: string,
  slideName: string,
  write: (path: string, text: string) => Promise<void>,
): Promise<string[]> {
  let models = finishedModels(slideDir);
  for (let i = 0; i < 5; i++) {
    const index: BatchIndex = { format: INDEX_FORMAT, slide: slideName, models };
    await write(join(slideDir, INDEX_NAME), `${JSON.stringify(index, null, 2)}\n`);
    const again = finishedModels(slideDir);
    if (again.join('\n') === models.join('\n')) break;
    models = again;
  }
  return models;
}
