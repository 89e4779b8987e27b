// Opens what was dropped or picked together (files, whole folders): sorted by kind first
// (src/slide/file-kinds.ts), then one slide opens and its annotation, or its label mask (with the
// grade from a Grade.csv given beside it), becomes its ground truth; an annotation or a label mask
// beside a slide that does not say its mpp attaches once the mpp prompt is answered.
// Two different slides open nothing and say so. An .onnx file goes to the ONNX import (with a
// card.json dropped beside it); batch result folders open over the slide (their stored heatmaps
// become its layers); other model files are named, not opened.

import { pathOf, sortFiles } from '../slide/file-kinds';
import { type AppState, getState, setState } from './app-store';
import type { SlideSession } from './slide-session';

type TruthLoader = (text: string, name: string) => Promise<unknown>;
let truthLoader: TruthLoader | null = null;
type ResultsLoader = (files: File[]) => Promise<unknown>;
let resultsLoader: ResultsLoader | null = null;

type MaskLoader = (bytes: Uint8Array, name: string, gradeCsv: string | null) => Promise<unknown>;
let maskLoader: MaskLoader | null = null;

/** Wired by main.tsx: how an annotation file becomes the open slide's ground truth. */
export function setTruthLoader(load: TruthLoader): void {
  truthLoader = load;
}

type ModelImporter = (onnx: File, card: File | null) => unknown;
let modelImporter: ModelImporter | null = null;

/** Wired by main.tsx: how a dropped .onnx file (and its card.json) starts the ONNX import. */
export function setModelImporter(importer: ModelImporter): void {
  modelImporter = importer;
}

export const isOnnxFile = (f: File) => /\.onnx$/i.test(f.name);

/** Wired by main.tsx: how a label-mask image (+ Grade.csv text) becomes the open slide's ground truth. */
export function setMaskLoader(load: MaskLoader): void {
  maskLoader = load;
}

/** Wired by main.tsx: how batch result files open over the open slide (AnalysisSession.openResults). */
export function setResultsLoader(load: ResultsLoader): void {
  resultsLoader = load;
}

export interface OpenFilesResult {
  state: AppState;
  /** the annotation loaded as ground truth, if one came along */
  truth: string | null;
  /** an annotation or label mask waiting for the mpp prompt: it becomes the truth once the slide's mpp is entered */
  pendingTruth?: string;
  /** batch result folders opened over the slide */
  results: string[];
  notes: string[];
}

export async function openFiles(session: SlideSession, files: File[]): Promise<OpenFilesResult> {
  const sorted = await sortFiles(files);
  const notes: string[] = [];
  const onnx = modelImporter ? sorted.models.find(isOnnxFile) : undefined;
  if (onnx && modelImporter) {
    const card = sorted.models.find((f) => /(^|\/)card\.json$/i.test(pathOf(f))) ?? null;
    modelImporter(onnx, card);
    const rest = sorted.models.filter((f) => f !== onnx && f !== card);
    if (rest.length) notes.push(`${rest.length} other model file(s) left alone: one .onnx file at a time.`);
    if (sorted.slide.length === 0 && sorted.annotations.length === 0 && sorted.batchFiles.length === 0) {
      if (notes.length) setState({ notice: { kind: 'warning', message: notes.join(' ') } });
      return { state: getState(), truth: null, results: [], notes };
    }
  } else if (sorted.models.length)
    notes.push(`${sorted.models.length} model file(s) left alone: add models in the Analysis panel.`);
  if (sorted.conflict) {
    const open = getState().metadata !== null;
    setState({
      error: sorted.conflict,
      status: open ? getState().status : 'error',
      notice: { kind: 'error', message: sorted.conflict },
    });
    return { state: getState(), truth: null, results: [], notes };
  }
  if (sorted.slide.length === 0) {
    const message =
      (sorted.annotations.length || sorted.masks.length || sorted.batchFiles.length) && getState().metadata
        ? null
        : `No slide among ${files.length === 1 ? files[0].name : `these ${files.length} files`}.`;
    if (message) {
      setState({ notice: { kind: 'error', message } });
      return { state: getState(), truth: null, results: [], notes };
    }
  }
  const state =
    sorted.slide.length === 0
      ? getState()
      : await session.open(sorted.slide.length === 1 ? sorted.slide[0] : sorted.slide);
  let truth: string | null = null;
  let pendingTruth: string | undefined;
  // an annotation or a mask: on a slide without an mpp the mpp prompt comes first, and the truth
  // attaches once the mpp is entered (not awaited here); otherwise it is loaded now
  const attach = async (file: File, loading: Promise<unknown>) => {
    const failed = (e: unknown) => `${file.name} could not be used as ground truth: ${(e as Error).message}`;
    if (state.metadata?.mpp === null) {
      pendingTruth = file.name;
      loading.catch((e) => setState({ notice: { kind: 'warning', message: failed(e) } }));
      return;
    }
    try {
      await loading;
      truth = file.name;
    } catch (e) {
      notes.push(failed(e));
    }
  };
  const annotation = sorted.annotations[0];
  const load = truthLoader;
  if (annotation && state.status === 'ready' && load) {
    const text = await annotation.text();
    await attach(annotation, (async () => load(text, annotation.name))());
  }
  const mask = sorted.masks[0];
  if (!truth && !pendingTruth && mask && state.status === 'ready' && maskLoader) {
    const csv = sorted.grades[0] ? await sorted.grades[0].text() : null;
    await attach(mask, maskLoader(new Uint8Array(await mask.arrayBuffer()), mask.name, csv));
  }
  let results: string[] = [];
  if (sorted.batchFiles.length && state.status === 'ready') {
    if (!resultsLoader)
      notes.push(`Batch results (${sorted.batchOutputs.join(', ')}) cannot be opened here.`);
    else
      try {
        await resultsLoader(sorted.batchFiles);
        results = sorted.batchOutputs;
      } catch (e) {
        notes.push(`The batch results could not be opened: ${(e as Error).message}`);
      }
  }
  if (notes.length) setState({ notice: { kind: 'warning', message: notes.join(' ') } });
  return { state: getState(), truth, results, notes, ...(pendingTruth ? { pendingTruth } : {}) };
}
