// One batch job from start to written outputs: skip when done, open the slide, analyse it with the
// model, write the results atomically (manifest last). Used by `analyze` and by queue workers alike,
// inside the analysis thread. Node only.
//
// Usage:
//   const r = await runSlideJob(job, { predictorFor, signal, onProgress });
//   // { key, out, skipped, tumourAreaMm2, analysedAreaMm2, patches, elapsedMs, backend, cascade }
//   // job.screen (planJobs: the viewer's default for MRN models) runs first, the model where it is unsure

import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Predictor } from '../../analysis/scheduler';
import { encodeHeatmapFile } from '../../heatmap/heatmap-file';
import { overviewPng } from '../../heatmap/summary';
import type { LoadedModel } from '../../inference/model-loader';
import { analyzeSlide, type BatchCascade, type SlideAnalysis } from '../analyze-slide';
import { writeFileAtomic, writeLogger } from './atomic-write';
import type { ModelRef } from './batch-models';
import { jobKey } from './job-key';
import { openInput, truthFor } from './open-input';
import {
  type BatchManifest,
  FILE_NAMES,
  isDone,
  MANIFEST_FORMAT,
  outputPaths,
  readManifest,
  writeIndex,
} from './output-layout';
import type { SlideInput } from './slide-inputs';

/** Everything a worker needs to run a job: plain JSON (BullMQ job data, thread messages). */
export interface SlideJob {
  slide: SlideInput;
  model: ModelRef;
  /** the coarse-to-fine cascade's screen, run first (absent: the model runs on every patch) */
  screen?: ModelRef;
  /** absolute output root */
  out: string;
  threshold: number;
  force: boolean;
  /** --truth file or folder */
  truth?: string;
  /** tests: a file that gets one line per finished output write */
  writeLog?: string;
}

export interface SlideJobResult {
  key: string;
  out: string;
  skipped: boolean;
  tumourAreaMm2: number;
  analysedAreaMm2: number;
  patches: number;
  elapsedMs: number;
  backend: string;
  /** the cascade's counts (null: the model ran on every patch) */
  cascade: BatchCascade | null;
}

export interface LoadedPredictor {
  model: LoadedModel;
  predictor: Predictor;
  backend: string;
}

export interface RunDeps {
  /** the loaded model and its engine (the thread keeps one per model) */
  predictorFor: (model: ModelRef) => Promise<LoadedPredictor>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export const keyOf = (job: Pick<SlideJob, 'slide' | 'model' | 'screen'>) =>
  jobKey(
    job.slide.identity,
    { id: job.model.id, version: job.model.version },
    job.screen ? { id: job.screen.id, version: job.screen.version } : null,
  );

export async function runSlideJob(job: SlideJob, deps: RunDeps): Promise<SlideJobResult> {
  const key = keyOf(job);
  const paths = outputPaths(job.out, job.slide.name, job.model.id);
  if (!job.force && (await isDone(paths, key))) {
    const m = await readManifest(paths.manifest);
    const summary = JSON.parse(await readFile(paths.summary, 'utf8'));
    return {
      key,
      out: paths.dir,
      skipped: true,
      tumourAreaMm2: summary.tumourAreaMm2,
      analysedAreaMm2: summary.analysedAreaMm2,
      patches: m?.store.cells ?? summary.patches,
      elapsedMs: summary.elapsedMs,
      backend: summary.backend,
      cascade: summary.cascade ?? null,
    };
  }
  const { model, predictor, backend } = await deps.predictorFor(job.model);
  const screen = job.screen ? await deps.predictorFor(job.screen) : null;
  const source = await openInput(job.slide, deps.signal);
  let analysis: SlideAnalysis;
  try {
    const truth = await truthFor(job.slide, job.truth);
    analysis = await analyzeSlide({
      source,
      model,
      predictor,
      backend,
      threshold: job.threshold,
      truth,
      signal: deps.signal,
      onProgress: deps.onProgress,
      screen: screen && { model: screen.model, predictor: screen.predictor },
    });
  } finally {
    source.close();
  }
  deps.signal?.throwIfAborted();
  await writeOutputs(job, key, analysis);
  const s = analysis.summary;
  return {
    key,
    out: paths.dir,
    skipped: false,
    tumourAreaMm2: s.tumourAreaMm2,
    analysedAreaMm2: s.analysedAreaMm2,
    patches: s.patches,
    elapsedMs: s.elapsedMs,
    backend: s.backend,
    cascade: analysis.cascade,
  };
}

/** The result files, then the manifest that marks the folder done. */
export async function writeOutputs(job: SlideJob, key: string, a: SlideAnalysis): Promise<void> {
  const paths = outputPaths(job.out, job.slide.name, job.model.id);
  const onWritten = writeLogger(job.writeLog);
  const meta = a.summary.slide;
  await writeFileAtomic(paths.heatmap, gzipSync(encodeHeatmapFile(a.store)), { onWritten });
  await writeFileAtomic(
    paths.overview,
    overviewPng(a.store, meta, { maxSize: 2048, colormap: 'inferno', threshold: null }),
    { onWritten },
  );
  await writeFileAtomic(paths.regions, `${JSON.stringify(a.regions)}\n`, { onWritten });
  // the summary the viewer shows, with the cascade's fields (null: the model ran everywhere)
  const summary = { ...a.summary, cascade: a.cascade };
  await writeFileAtomic(paths.summary, `${JSON.stringify(summary, null, 2)}\n`, { onWritten });
  const manifest: BatchManifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    jobKey: key,
    slide: {
      ...job.slide.identity,
      name: job.slide.name,
      fingerprint: a.fingerprint,
      width: meta.width,
      height: meta.height,
      mpp: meta.mpp,
    },
    model: {
      id: job.model.id,
      version: job.model.version,
      name: job.model.name,
      exportedAt: job.model.exportedAt,
      targetMpp: a.store.info.targetMpp,
    },
    screen: job.screen ? { id: job.screen.id, version: job.screen.version } : null,
    threshold: a.summary.threshold,
    store: { ...a.store.info, cells: a.store.cellCount },
    files: {
      summary: FILE_NAMES.summary,
      regions: FILE_NAMES.regions,
      heatmap: FILE_NAMES.heatmap,
      overview: FILE_NAMES.overview,
    },
    createdAt: new Date().toISOString(),
    writer: `${hostname()}:${process.pid}`,
  };
  await writeFileAtomic(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`, { onWritten });
  await writeIndex(dirname(paths.dir), job.slide.name, (p, text) => writeFileAtomic(p, text));
}
