// Test support (not shipped): a batch result folder as the batch writes it (src/batch/node/
// slide-job.ts writeOutputs), as Files with their paths in a dropped folder.

import { gzipSync } from 'node:zlib';
import type { SlideMetadata } from '../slide/slide-types';
import { type BatchManifest, FILE_NAMES, MANIFEST_FORMAT } from './batch-result';
import { encodeHeatmapFile } from './heatmap-file';
import type { ProbabilityStore } from './probability-store';
import type { RegionCollection } from './region-export';
import type { AnalysisSummary } from './summary';

export function manifestFor(store: ProbabilityStore, slide: SlideMetadata, name: string): BatchManifest {
  return {
    format: MANIFEST_FORMAT,
    version: 1,
    jobKey: 'jtest',
    slide: {
      source: `/data/${name}.tiff`,
      size: 1,
      version: '1',
      name,
      fingerprint: null,
      width: slide.width,
      height: slide.height,
      mpp: slide.mpp ?? 0,
    },
    model: {
      id: store.info.modelId,
      version: 'v',
      name: store.info.modelId,
      exportedAt: null,
      targetMpp: store.info.targetMpp,
    },
    threshold: 0.5,
    store: { ...store.info, cells: store.cellCount },
    files: {
      summary: FILE_NAMES.summary,
      regions: FILE_NAMES.regions,
      heatmap: FILE_NAMES.heatmap,
      overview: FILE_NAMES.overview,
    },
    createdAt: '2026-12-01T00:00:00.000Z',
    writer: 'test:1',
  };
}

/** The folder's files, each with `dir/<name>` as its webkitRelativePath ('' dir: loose files). */
export function batchFolderFiles(
  dir: string,
  parts: {
    manifest: BatchManifest;
    store: ProbabilityStore;
    summary: AnalysisSummary;
    regions: RegionCollection;
  },
): File[] {
  const file = (name: string, data: string | Uint8Array) => {
    const f = new File([data as BlobPart], name);
    if (dir) Object.defineProperty(f, 'webkitRelativePath', { value: `${dir}/${name}` });
    return f;
  };
  return [
    file(FILE_NAMES.heatmap, gzipSync(encodeHeatmapFile(parts.store))),
    file(FILE_NAMES.summary, JSON.stringify(parts.summary)),
    file(FILE_NAMES.regions, JSON.stringify(parts.regions)),
    file(FILE_NAMES.overview, new Uint8Array([0x89, 0x50])),
    file(FILE_NAMES.manifest, JSON.stringify(parts.manifest)),
  ];
}
