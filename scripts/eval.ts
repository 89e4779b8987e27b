// Whole-slide evaluation of the shipped models on fresh synthetic test slides, through the same
// inference path as the browser: openSlide → tissue detection → wholeSlideSetup at the model's
// mpp (tiled with overlap) → runAnalysis with the tfjs engine → ProbabilityStore → metrics
// against the slide's GeoJSON outlines, rasterised as the training labels are (analysis/ground-truth.ts).
//
// Usage:
//   npm run eval -- [--seed 3100] [--slides 2] [--size-mm 2] [--models unet,mrn-bilinear,…]
//                   [--backend wasm|cpu] [--margin PX (default: patch/8, as the app)] [--threshold 0.5] [--out result.json]
//                   [--cache DIR] [--include-test-models] [--heatmaps DIR]
//                   [--cascade] [--cascade-policy low:high:haloUm] [--cascade-sweep l:h:halo,l:h:halo,…]
//                   [--tile 64|128|256 (default: the app's, model-tiles.ts chooseTileSize)]
// --tile runs every model on inference tiles of that many target px (its card's tile graphs, the same
// weights); 64 is the trained patch, as before tiles existed. The margin stays the trained patch's.
// --cascade also runs each MRN model as a cascade behind the 4 µm/px U-Net screen (src/analysis/cascade.ts)
// with --cascade-policy (default DEFAULT_CASCADE_POLICY) and reports its IoU, the MRN patches it
// skipped and its time beside the MRN-everywhere run; --cascade-sweep replays each listed policy
// exactly from the two stores (scripts/eval-cascade.ts), for tuning on validation seeds.
// --heatmaps writes each model's stitched probability map per slide as a greyscale PNG at the
// model's target mpp (0 = not analysed, 1..255 = probability), for looking at where models fail.
// Test seeds are ≥ 3000 (SEED_RANGES); 3001 is the demo slide. Slides are cached under --cache
// (default: the OS temp dir), never in the repository. Prints one JSON object on stdout;
// progress goes to stderr.

import { setMaxListeners } from 'node:events';
import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';
import { cascadeScreenFor, DEFAULT_CASCADE_POLICY } from '../src/analysis/cascade-policy';
import { type Counts, type ModelResult, poolCounts, summarise } from '../src/analysis/evaluation';
import { groundTruthFromAnnotations } from '../src/analysis/ground-truth';
import { runAnalysis } from '../src/analysis/scheduler';
import { wholeSlideSetup } from '../src/analysis/whole-slide';
import { parseAnnotations } from '../src/annotations/parse-annotations';
import { segmentationMetrics } from '../src/heatmap/metrics';
import type { ProbabilityStore } from '../src/heatmap/probability-store';
import { createEngine } from '../src/inference/engine';
import type { LoadedModel } from '../src/inference/model-loader';
import { loadModelDir } from '../src/inference/node/load-model-dir';
import { pickModels } from '../src/inference/node/model-dirs';
import { createSharpJpegDecoder } from '../src/slide/decoders/node/jpeg-sharp';
import { openSlide } from '../src/slide/open-slide';
import type { SlideReader } from '../src/slide/slide-reader';
import { SYNTH_VERSION } from '../src/synth/layout';
import {
  type SyntheticSidecar,
  slideFiles,
  writeSyntheticSlide,
} from '../src/synth/node/write-synthetic-slide';
import { detectTissue } from '../src/tissue/tissue-detection';
import { cascadeWholeSlide, parsePolicies, replayCascade, scoreStore } from './eval-cascade';
import { SEED_RANGES } from './seed-ranges';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '3100' },
    slides: { type: 'string', default: '2' },
    'size-mm': { type: 'string', default: '2' },
    models: { type: 'string' },
    'models-dir': { type: 'string', default: 'models' },
    'include-test-models': { type: 'boolean', default: false },
    backend: { type: 'string', default: 'wasm' },
    margin: { type: 'string' },
    tile: { type: 'string' },
    threshold: { type: 'string', default: '0.5' },
    cache: { type: 'string', default: join(tmpdir(), 'mrn-eval-slides') },
    out: { type: 'string' },
    'allow-dev-seeds': { type: 'boolean', default: false },
    heatmaps: { type: 'string' },
    cascade: { type: 'boolean', default: false },
    'cascade-policy': { type: 'string' },
    'cascade-sweep': { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`eval: ${message}`);
  process.exit(2);
}
const log = (message: string) => console.error(message);

const seed = Number(values.seed);
const slideCount = Number(values.slides);
const sizeMm = Number(values['size-mm']);
const margin = values.margin === undefined ? null : Number(values.margin);
const tileSize = values.tile === undefined ? null : Number(values.tile);
if (tileSize !== null && !Number.isInteger(tileSize)) fail('--tile takes an integer (px)');
const threshold = Number(values.threshold);
const backend = values.backend;
if (!Number.isInteger(seed) || !Number.isInteger(slideCount) || slideCount < 1)
  fail('--seed and --slides take integers');
if (seed < SEED_RANGES.testFrom && !values['allow-dev-seeds'])
  fail(
    `test seeds start at ${SEED_RANGES.testFrom} (training/validation seeds are below; --allow-dev-seeds to override)`,
  );
if (!(sizeMm >= 1)) fail('--size-mm must be at least 1 (smaller slides hold no tumours)');
if (margin !== null && (!Number.isInteger(margin) || margin < 0))
  fail('--margin takes a non-negative integer');
if (!(threshold > 0 && threshold < 1)) fail('--threshold must lie in (0, 1)');
if (backend !== 'wasm' && backend !== 'cpu') fail('--backend is wasm or cpu in Node');
let cascadePolicy = DEFAULT_CASCADE_POLICY;
let cascadeSweep: (typeof cascadePolicy)[] = [];
try {
  if (values['cascade-policy']) cascadePolicy = parsePolicies(values['cascade-policy'])[0];
  if (values['cascade-sweep']) cascadeSweep = parsePolicies(values['cascade-sweep']);
} catch (e) {
  fail((e as Error).message);
}
const cascade = values.cascade || cascadeSweep.length > 0;

const controller = new AbortController();
// one listener per tile read in flight: not a leak
setMaxListeners(1024, controller.signal);
process.on('SIGINT', () => controller.abort());
const signal = controller.signal;

/** Model directories to evaluate: --models, else every non-test model in --models-dir. */
async function chooseModels() {
  try {
    const picked = await pickModels(values['models-dir'], {
      ids: values.models?.split(',').filter(Boolean),
      includeTest: values['include-test-models'],
      signal,
    });
    if (picked.length === 0)
      fail(
        `no trained models in ${resolve(values['models-dir'])}; train them with bash training/train-all.sh`,
      );
    return picked;
  } catch (e) {
    fail((e as Error).message);
  }
}

/** Generates (or reuses) a test slide and its ground truth. */
async function testSlide(s: number) {
  // the generator version is in the name so a changed generator never reuses stale cached slides
  const name = `synth-${s}-${sizeMm}mm-v${SYNTH_VERSION}`;
  const files = slideFiles(values.cache, name);
  if (!existsSync(files.sidecar)) {
    const t0 = performance.now();
    await writeSyntheticSlide({ seed: s, sizeMm, outDir: values.cache, name, signal });
    log(`${name}: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const sidecar = JSON.parse(readFileSync(files.sidecar, 'utf8')) as SyntheticSidecar;
  // Truth: the slide's GeoJSON outlines through the one rasteriser (analysis/ground-truth.ts), the
  // same one that labels the training patches; cells at the sidecar's mask resolution.
  const { width, height } = sidecar;
  const cell = sidecar.maskMpp / sidecar.mpp;
  const gt = groundTruthFromAnnotations(
    parseAnnotations(readFileSync(files.geojson, 'utf8')),
    { width, height },
    name,
    Math.max(width, height) / cell,
  );
  return { name, files, sidecar, truth: gt.truth };
}

async function evaluateModel(
  model: LoadedModel,
  source: SlideReader,
  slideMpp: number,
  slide: Awaited<ReturnType<typeof testSlide>>,
  tissue: Awaited<ReturnType<typeof detectTissue>>,
  keepStore?: (store: ProbabilityStore) => void,
) {
  const engine = createEngine({
    backend: backend as 'wasm' | 'cpu',
    candidates: [backend as 'wasm' | 'cpu'],
    signal,
  });
  try {
    const decision = await engine.load(model.artifacts, model.spec);
    const geometry = model.geometry;
    // the app's keep margin (keepMarginFor) unless --margin says otherwise
    const { plan, store, contextCache } = wholeSlideSetup({
      source,
      slideMpp,
      geometry,
      modelId: model.card.id,
      tissue,
      margin: margin ?? undefined,
    });
    const t0 = performance.now();
    let lastLog = t0;
    const run = await runAnalysis({
      source,
      slideMpp,
      spec: model.spec,
      geometry,
      patches: plan.patches,
      predictor: engine,
      store,
      contextCache,
      signal,
      onProgress: (p) => {
        if (performance.now() - lastLog > 15000) {
          lastLog = performance.now();
          log(`  ${model.card.id}: ${p.done}/${p.total} patches, ${p.rate.toFixed(1)}/s`);
        }
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    keepStore?.(store);
    if (values.heatmaps)
      await writeHeatmap(
        store,
        source.metadata.width,
        source.metadata.height,
        join(values.heatmaps, `${slide.name}.${model.card.id}.png`),
      );
    const m = segmentationMetrics(store, slide.truth, { threshold });
    return {
      backend: decision.chosen,
      patches: plan.patches.length,
      backgroundPatches: plan.background,
      seconds: Math.round(seconds * 10) / 10,
      patchesPerSecond: Math.round((run.done / seconds) * 10) / 10,
      counts: { tp: m.tp, fp: m.fp, fn: m.fn, tn: m.tn } satisfies Counts,
      iou: round(m.iou),
      dice: round(m.dice),
      precision: round(m.precision),
      recall: round(m.recall),
      analysedPixels: m.analysedPixels,
    };
  } finally {
    engine.dispose();
  }
}

/** The store's encoded bytes as one greyscale PNG, store pixel (u, v) at (u, v), over the slide. */
async function writeHeatmap(store: ProbabilityStore, slideWidth: number, slideHeight: number, path: string) {
  const keep = store.keep;
  const width = Math.ceil(slideWidth / store.d);
  const height = Math.ceil(slideHeight / store.d);
  const pixels = new Uint8Array(width * height);
  for (const { col, row, cell } of store.entries()) {
    for (let j = 0; j < keep; j++) {
      const v = row * keep + j;
      if (v < 0 || v >= height) continue;
      for (let i = 0; i < keep; i++) {
        const u = col * keep + i;
        if (u >= 0 && u < width) pixels[v * width + u] = cell[j * keep + i];
      }
    }
  }
  await mkdir(dirname(path), { recursive: true });
  await sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toFile(path);
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

const started = performance.now();
if (backend === 'wasm') setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
const picked = await chooseModels();
const models: LoadedModel[] = [];
for (const { dir, card } of picked) models.push(await loadModelDir(dir, { card, tileSize, signal }));
// the cascade's screen (loaded even when --models leaves it out)
const screens = new Map<string, LoadedModel>();
if (cascade) {
  const cards = [...models.map((m) => m.card)];
  const extra = await pickModels(values['models-dir'], { ids: ['unet-context'], signal }).catch(() => []);
  for (const { dir, card } of extra) {
    const loaded =
      models.find((m) => m.card.id === card.id) ?? (await loadModelDir(dir, { card, tileSize, signal }));
    cards.push(loaded.card);
    for (const m of models)
      if (cascadeScreenFor(m.card, cards) === loaded.card.id) screens.set(m.card.id, loaded);
  }
  if (screens.size === 0) fail('--cascade: no MRN model with a screen (unet-context) to run');
}
interface CascadeSlide {
  slide: string;
  counts: Counts;
  full: Counts;
  fullPatches: number;
  refinedPatches: number;
  skippedPatches: number;
  screenPatches: number;
  seconds: number;
  screenSeconds: number;
  fullSeconds: number;
  sweep: { counts: Counts; skipped: number }[];
}
const cascadeRows = new Map<string, CascadeSlide[]>([...screens.keys()].map((id) => [id, []]));
log(
  `models: ${models.map((m) => m.card.id).join(', ')}; backend ${backend}; slides ${seed}..${seed + slideCount - 1} at ${sizeMm} mm`,
);

type SlideRow = Awaited<ReturnType<typeof evaluateModel>> & { slide: string };
const perModel = new Map<string, SlideRow[]>(models.map((m) => [m.card.id, []]));
const slides: Record<string, unknown>[] = [];
for (let s = seed; s < seed + slideCount; s++) {
  const slide = await testSlide(s);
  const source = await openSlide(await openAsBlob(slide.files.tiff), {
    name: slide.name,
    jpegDecoder: createSharpJpegDecoder(),
    signal,
  });
  try {
    const slideMpp = source.metadata.mpp;
    if (!slideMpp) throw new Error(`${slide.name} has no mpp`);
    const tissue = await detectTissue(source, { signal });
    slides.push({
      name: slide.name,
      seed: s,
      width: source.metadata.width,
      height: source.metadata.height,
      mpp: slideMpp,
      tumours: slide.sidecar.tumourCount,
      lookalikes: slide.sidecar.lookalikeCount,
      tumourAreaUm2: slide.sidecar.tumourAreaUm2,
      lookalikeAreaUm2: slide.sidecar.lookalikeAreaUm2,
    });
    for (const model of models) {
      let full: ProbabilityStore | null = null;
      const row = await evaluateModel(model, source, slideMpp, slide, tissue, (st) => {
        full = st;
      });
      perModel.get(model.card.id)!.push({ slide: slide.name, ...row });
      log(
        `${slide.name} ${model.card.id}: IoU ${row.iou} Dice ${row.dice} (${row.patches} patches, ${row.seconds} s, ${row.backend})`,
      );
      const screen = screens.get(model.card.id);
      if (!screen || !full) continue;
      const fullStore: ProbabilityStore = full;
      const run = await cascadeWholeSlide({
        fine: model,
        screen,
        source,
        slideMpp,
        tissue,
        screenTissue: tissue,
        policy: cascadePolicy,
        backend: backend as 'wasm' | 'cpu',
        margin: margin ?? undefined,
        signal,
      });
      const counts = scoreStore(run.store, slide.truth, threshold);
      const sweep = cascadeSweep.map((policy) => {
        const r = replayCascade(fullStore, run.screenStore, run.patches, policy, slideMpp);
        return { counts: scoreStore(r.store, slide.truth, threshold), skipped: r.skipped };
      });
      cascadeRows.get(model.card.id)!.push({
        slide: slide.name,
        counts,
        full: row.counts,
        fullPatches: row.patches,
        refinedPatches: run.refinedPatches,
        skippedPatches: run.skippedPatches,
        screenPatches: run.screenPatches,
        seconds: run.seconds,
        screenSeconds: run.screenSeconds,
        fullSeconds: row.seconds,
        sweep,
      });
      log(
        `${slide.name} ${model.card.id} cascade: IoU ${round(poolCounts([counts]).iou)} (full ${row.iou}); ${run.skippedPatches}/${row.patches} MRN patches skipped, ${run.seconds.toFixed(1)} s vs ${row.seconds} s`,
      );
    }
  } finally {
    source.close();
  }
}

const results: (ModelResult & {
  tileSize: number;
  params: number;
  fieldOfViewUm: Record<string, number>;
  seconds: number;
  perSlide: SlideRow[];
})[] = models.map((m) => {
  const rows = perModel.get(m.card.id)!;
  // the trained patch's field of view (the card's inputs), whatever the tile
  const target = m.card.inputs.find((i) => i.role === 'target')!;
  const context = m.card.inputs.find((i) => i.role === 'context');
  const pooled = poolCounts(rows.map((r) => r.counts));
  return {
    id: m.card.id,
    tileSize: m.tile.size,
    architecture: m.card.architecture,
    upsampling: m.card.upsampling ?? 'none',
    targetMpp: target.mpp,
    contextMpp: context?.mpp ?? null,
    params: m.card.params ?? 0,
    fieldOfViewUm: {
      target: target.size * target.mpp,
      ...(context ? { context: context.size * context.mpp } : {}),
    },
    pooled: {
      ...pooled,
      iou: round(pooled.iou),
      dice: round(pooled.dice),
      precision: round(pooled.precision),
      recall: round(pooled.recall),
    },
    seconds: Math.round(rows.reduce((a, r) => a + r.seconds, 0) * 10) / 10,
    perSlide: rows,
  };
});

const sumOf = (rows: CascadeSlide[], f: (r: CascadeSlide) => number) => rows.reduce((a, r) => a + f(r), 0);
const cascadeReport = [...cascadeRows].map(([id, rows]) => {
  const iou = poolCounts(rows.map((r) => r.counts)).iou;
  const fullIou = poolCounts(rows.map((r) => r.full)).iou;
  const fullPatches = sumOf(rows, (r) => r.fullPatches);
  const seconds = sumOf(rows, (r) => r.seconds);
  const fullSeconds = sumOf(rows, (r) => r.fullSeconds);
  return {
    model: id,
    screenModel: screens.get(id)!.card.id,
    policy: cascadePolicy,
    iou: round(iou),
    fullIou: round(fullIou),
    iouDelta: round(iou - fullIou),
    fullPatches,
    refinedPatches: sumOf(rows, (r) => r.refinedPatches),
    skippedPatches: sumOf(rows, (r) => r.skippedPatches),
    skippedFraction: round(sumOf(rows, (r) => r.skippedPatches) / Math.max(1, fullPatches)),
    screenPatches: sumOf(rows, (r) => r.screenPatches),
    seconds: Math.round(seconds * 10) / 10,
    screenSeconds: Math.round(sumOf(rows, (r) => r.screenSeconds) * 10) / 10,
    fullSeconds: Math.round(fullSeconds * 10) / 10,
    speedup: Math.round((fullSeconds / Math.max(1e-9, seconds)) * 100) / 100,
    perSlide: rows.map(({ sweep: _s, ...r }) => ({ ...r, iou: round(poolCounts([r.counts]).iou) })),
    sweep: cascadeSweep.map((policy, k) => {
      const sweepIou = poolCounts(rows.map((r) => r.sweep[k].counts)).iou;
      const skipped = sumOf(rows, (r) => r.sweep[k].skipped);
      return {
        policy,
        iou: round(sweepIou),
        iouDelta: round(sweepIou - fullIou),
        skippedFraction: round(skipped / Math.max(1, fullPatches)),
      };
    }),
  };
});

const report = {
  command: `npm run eval -- ${process.argv.slice(2).join(' ')}`.trim(),
  seeds: { from: seed, count: slideCount },
  sizeMm,
  backend,
  margin: margin ?? 'targetSize/8',
  threshold,
  slides,
  models: results,
  summary: summarise(results),
  ...(cascade ? { cascade: cascadeReport } : {}),
  seconds: Math.round((performance.now() - started) / 100) / 10,
  tfjs: tf.version.tfjs,
};
const text = JSON.stringify(report, null, 2);
if (values.out) await writeFile(values.out, `${text}\n`);
console.log(text);
