// GlaS evaluation: every GlaS model in models/ over a GlaS-style folder, through tfjs (wasm, the
// browser's fallback backend) with the viewer's tiling (src/glas/predict-image.ts), scored with the
// challenge's object metrics and the pixel/grade scores of src/glas/.
//
// Usage:
//   npm run eval:glas -- --data DIR [--mpp 0.62] [--models glas-unet,...] [--split all|train|val]
//     [--seed-radius 6 --min-area 80 --threshold 0.5 --grade-fraction 0.5] [--sweep] [--bootstrap 2000]
//     [--settings VAL.json] [--edge pad|reflect] [--border-threshold 0.5] [--fill-holes] [--flips 1|2|4|8]
//     [--tile S] [--dump-maps DIR]
//
// DIR: img/*.png, mask/*.png (gland instance labels), Grade.csv (name, patient_id, grade_glas).
// --split val|train picks the patient-wise validation split of the training images (for choosing
// settings); --sweep (with --split val only) scores a grid of instance settings (threshold, seed
// radius, min area, fill holes) and grade fractions and names the best of each per model (`chosen`,
// src/glas/choose-settings.ts); --settings VAL.json scores each model with the settings that
// sweep chose for it (so test part A is scored once, with settings chosen on validation). The last line on
// stdout is one JSON document {"models": [{id, f1, objDice, objHausdorff, glandDice, tumourIoU,
// gradeAccuracy, ...}], ...}; logs go to stderr. Each model reads past an image's edges as it was
// trained (its card's training.edge, from `extract-glas --edge`): "reflect" mirrors the image there
// (src/glas/reflect-edges.ts), anything else is the reader's white pad, which the viewer shows;
// --edge pad|reflect sets it for every model. A model with a "border" output channel
// (glas_train.py on shards from `extract-glas --border-px`) splits touching glands along it
// (gland-instances.ts): --border-threshold (default 0.5) for the default run, and its own grid
// (BORDER_SWEEP_GRID) under --sweep; models without one ignore it. --flips N averages each tile
// over N flipped copies (src/inference/flip-average.ts, as the viewer's flip averaging); default
// the card's `flips`, or what the --settings sweep ran with, else 1. A sweep records its flips with
// the settings it chose, so part A is scored as validation was. --tile S runs each model on S px
// inference tiles (a tile its card lists: training/export_tiles.py, the same weights), the context
// tile scaled alike and the trained patch's margin kept, as the viewer runs a tile. Default: the
// viewer's choice (model-tiles.ts chooseTileSize: the trained patch for a card without tiles), or
// the tile a --settings sweep ran, which a sweep records with the settings it chose. A run that is
// not a sweep says per model, by image grade, why each undetected gland was missed (`misses`:
// missed by the gland channel, merged with a neighbour, dropped as a speck, or fragmented;
// src/glas/miss-breakdown.ts). --dump-maps DIR writes each image's stitched channels there (dumpMaps).

import { setMaxListeners } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { marginOf, type PatchGeometry } from '../../src/geometry/patch-geometry';
import {
  chooseGradeFraction,
  chooseInstance,
  GRADE_FRACTIONS,
  gradeAccuracyAt,
} from '../../src/glas/choose-settings';
import {
  DEFAULT_INSTANCE_OPTIONS,
  type InstanceOptions,
  instancesBeforeMinArea,
  withoutSmallObjects,
} from '../../src/glas/gland-instances';
import { DEFAULT_VAL_PATIENTS, patientSplit, sharedPatients } from '../../src/glas/glas-dataset';
import { type GradeRule, malignantShare } from '../../src/glas/grade-rule';
import { BORDER_SWEEP_GRID, SWEEP_GRID, sweepObjectTotals } from '../../src/glas/instance-sweep';
import {
  addMissCounts,
  emptyMissCounts,
  imageMisses,
  type MissCounts,
  missSummary,
} from '../../src/glas/miss-breakdown';
import {
  addTotals,
  emptyTotals,
  imageObjectTotals,
  type ObjectTotals,
  objectMetrics,
} from '../../src/glas/object-metrics';
import { addPixelCounts, dice, emptyCounts, iou, type PixelCounts } from '../../src/glas/pixel-metrics';
import { isEdgeMode, withEdges } from '../../src/glas/reflect-edges';
import { flipAveraged } from '../../src/inference/flip-average';
import { type FlipCount, isFlipCount } from '../../src/inference/flip-count';
import { chooseTileSize } from '../../src/inference/model-tiles';
import { nodeFileHandler } from '../../src/inference/node/node-model-io';
import { Prng } from '../../src/util/prng';
import {
  glasCardAtTile,
  glasCardSummary,
  isGlasCard,
  readGlasCard,
  validateModelAgainstCard,
  validateOutputShape,
} from './glas-card';
import { readGlasFolder, readGlasMask } from './glas-folder';
import { openGlasImage } from './open-glas-image';
import { type PatchPredictor, predictImage, toImagePixels } from './predict-image';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    mpp: { type: 'string', default: '0.62' },
    models: { type: 'string' },
    'models-dir': { type: 'string', default: 'models' },
    split: { type: 'string', default: 'all' },
    'val-patients': { type: 'string', default: DEFAULT_VAL_PATIENTS.join(',') },
    threshold: { type: 'string', default: String(DEFAULT_INSTANCE_OPTIONS.threshold) },
    'seed-radius': { type: 'string', default: String(DEFAULT_INSTANCE_OPTIONS.seedRadius) },
    'min-area': { type: 'string', default: String(DEFAULT_INSTANCE_OPTIONS.minArea) },
    'grade-fraction': { type: 'string', default: '0.5' },
    margin: { type: 'string' },
    sweep: { type: 'boolean', default: false },
    settings: { type: 'string' },
    bootstrap: { type: 'string', default: '2000' },
    limit: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    edge: { type: 'string' },
    'border-threshold': { type: 'string', default: '0.5' },
    'fill-holes': { type: 'boolean', default: false },
    flips: { type: 'string' },
    tile: { type: 'string' },
    'dump-maps': { type: 'string' },
  },
});
const log = (...a: unknown[]) => console.error(...a);
function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
if (!values.data) fail('usage: npm run eval:glas -- --data DIR [--mpp 0.62] (see scripts/glas/eval-glas.ts)');
const slideMpp = Number(values.mpp);
if (!(slideMpp > 0)) fail('--mpp must be positive');
/** --edge for every model; null: each as its card says it was trained */
const edgeForAll =
  values.edge === undefined ? null : isEdgeMode(values.edge) ? values.edge : fail('--edge is pad or reflect');
const base: InstanceOptions = {
  threshold: Number(values.threshold),
  seedRadius: Number(values['seed-radius']),
  minArea: Number(values['min-area']),
  ...(values['fill-holes'] ? { fillHoles: true } : {}),
};
/** --flips for every model (test-time flip averaging, src/inference/flip-average.ts); null: 1 */
const flipsForAll: FlipCount | null =
  values.flips === undefined
    ? null
    : isFlipCount(Number(values.flips))
      ? (Number(values.flips) as FlipCount)
      : fail('--flips is 1, 2, 4 or 8');
/** --tile for every model (target px); null: what the --settings sweep ran, else the viewer's choice */
const tileForAll: number | null =
  values.tile === undefined
    ? null
    : Number.isInteger(Number(values.tile)) && Number(values.tile) > 0
      ? Number(values.tile)
      : fail('--tile takes a whole number of px');
const borderThreshold = Number(values['border-threshold']);
if (!(borderThreshold >= 0 && borderThreshold <= 1)) fail('--border-threshold must lie in [0, 1]');
const gradeRule: GradeRule = { threshold: base.threshold, fraction: Number(values['grade-fraction']) };
if (values.sweep && values.split !== 'val')
  fail('--sweep chooses settings on the validation split only: give --split val');
if (values.sweep && values.settings) fail('--sweep and --settings do not go together');

/** Per model, the settings a `--split val --sweep` run chose (its JSON document, `models[].chosen`). */
interface Chosen {
  instances: InstanceOptions;
  gradeFraction: number;
  /** the flip averaging the sweep ran with (absent: 1) */
  flips?: FlipCount;
  /** the inference tile the sweep ran (absent: the trained patch) */
  tile?: number;
}
const chosenFrom = new Map<string, Chosen>();
if (values.settings) {
  const path = values.settings;
  let doc: { split?: string; models?: { id: string; chosen?: Chosen }[] };
  try {
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    doc = JSON.parse(lines[lines.length - 1]);
  } catch (e) {
    fail(`${path}: not the JSON of an eval:glas --split val --sweep run (${(e as Error).message})`);
  }
  if (doc.split !== 'val')
    fail(`${path}: its settings were not chosen on the validation split (split ${doc.split})`);
  for (const m of doc.models ?? []) if (m.chosen) chosenFrom.set(m.id, m.chosen);
}
const round = (v: number, k = 4) => Math.round(v * 10 ** k) / 10 ** k;

const controller = new AbortController();
setMaxListeners(1024, controller.signal);
process.on('SIGINT', () => controller.abort());
const signal = controller.signal;

let items = await readGlasFolder(values.data).catch((e: Error) => fail(e.message));
const all = items;
if (values.split !== 'all') {
  const s = patientSplit(items, (values['val-patients'] ?? '').split(',').filter(Boolean));
  const names = new Set((values.split === 'val' ? s.val : s.train).map((r) => r.name));
  items = items.filter((i) => names.has(i.name));
}
if (values.limit) items = items.slice(0, Number(values.limit));
if (items.length === 0) fail('no images to evaluate');

// every GlaS model (card training.dataset "glas"), or --models
const dir = values['models-dir'] ?? 'models';
const wanted = values.models?.split(',').filter(Boolean);
const modelDirs = readdirSync(dir)
  .filter((d) => existsSync(join(dir, d, 'card.json')))
  .filter((d) => (wanted ? wanted.includes(d) : true))
  .map((d) => {
    const path = join(dir, d, 'card.json');
    try {
      return { id: d, card: readGlasCard(readFileSync(path, 'utf8'), path) };
    } catch (e) {
      if (wanted) fail((e as Error).message);
      return null; // not a model this evaluation can read (the app's own checks report it)
    }
  })
  .filter((m) => m !== null)
  .filter((m) => isGlasCard(m.card) && (wanted || !m.card.testModel));
if (modelDirs.length === 0) fail(`no GlaS models in ${resolve(dir)}`);

if (values.backend === 'wasm') setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
await tf.setBackend(values.backend ?? 'wasm');
await tf.ready();
log(`backend ${tf.getBackend()}, ${items.length} image(s), ${modelDirs.length} model(s)`);

interface PerImage {
  name: string;
  grade: string;
  tumour: PixelCounts;
  share: number;
  /** gland channel and truth at image pixels, kept for the settings sweep */
  gland?: Float32Array;
}

const results = [];
const perModelImages = new Map<string, PerImage[]>();
for (const m of modelDirs) {
  const s = glasCardSummary(m.card, m.id);
  const edge = edgeForAll ?? (m.card.training?.edge === 'reflect' ? 'reflect' : 'pad');
  const chosen = chosenFrom.get(m.id);
  if (values.settings && !chosen)
    fail(`${values.settings}: no settings chosen for ${m.id} (sweep it on --split val)`);
  const hasBorder = s.borderIndex >= 0;
  const inst = chosen?.instances ?? (hasBorder ? { ...base, borderThreshold } : base);
  if (inst.borderThreshold !== undefined && !hasBorder)
    fail(`${values.settings}: the settings for ${m.id} use a border channel its card does not have`);
  const grid = hasBorder ? BORDER_SWEEP_GRID : SWEEP_GRID;
  const rule: GradeRule = chosen
    ? { threshold: gradeRule.threshold, fraction: chosen.gradeFraction }
    : gradeRule;
  const settings = values.sweep ? grid : [inst];
  // as the viewer chooses (model-tiles.ts) unless --tile or the sweep's settings say otherwise
  const tileSize = tileForAll ?? chosen?.tile ?? chooseTileSize(m.card);
  let atTile: ReturnType<typeof glasCardAtTile>;
  try {
    atTile = glasCardAtTile(m.card, tileSize);
  } catch (e) {
    fail(`--tile: ${(e as Error).message}`);
  }
  const model = await tf.loadGraphModel(nodeFileHandler(join(dir, m.id, atTile.tile.modelFile), signal));
  validateModelAgainstCard(model, atTile.card); // a card whose channels do not match the graph fails here
  const geometry: PatchGeometry = atTile.geometry;
  const batchSize = atTile.tile.batchSize;
  // as the viewer runs it: the card's flip averaging unless the sweep's settings or --flips say otherwise
  const flips: FlipCount = flipsForAll ?? chosen?.flips ?? m.card.flips ?? 1;
  // the trained patch's margin at every tile size, as the viewer keeps it (patch-geometry marginOf)
  const margin = values.margin === undefined ? marginOf(geometry) : Number(values.margin);
  const predictor: PatchPredictor = {
    batchSize,
    channels: s.channels.length,
    async predict(target, context) {
      const size = geometry.targetSize;
      const feeds: Record<string, tf.Tensor> = {
        [s.inputNames.target]: tf.tensor4d(target, [batchSize, size, size, 3]),
      };
      if (context && s.inputNames.context) {
        const cs = geometry.contextSize ?? size;
        feeds[s.inputNames.context] = tf.tensor4d(context, [batchSize, cs, cs, 3]);
      }
      const y = tf.tidy(() =>
        flipAveraged(feeds as Record<string, tf.Tensor4D>, flips, (f) => {
          const out = model.execute(f, s.outputName) as tf.Tensor4D;
          validateOutputShape(out.shape, atTile.card, batchSize);
          return out;
        }),
      );
      const data = (await y.data()) as Float32Array;
      tf.dispose([y, ...Object.values(feeds)]);
      return data;
    },
  };
  const t0 = performance.now();
  const totals = settings.map(() => emptyTotals());
  const gland = emptyCounts();
  const tumour = emptyCounts();
  const images: PerImage[] = [];
  const misses: Record<string, MissCounts> = { benign: emptyMissCounts(), malignant: emptyMissCounts() };
  let correct = 0;
  for (const item of items) {
    const truth = readGlasMask(item);
    const img = await openGlasImage(item.image, signal);
    try {
      const maps = await predictImage(
        withEdges(img.source, edge),
        slideMpp,
        geometry,
        s.normalization,
        predictor,
        margin,
        signal,
      );
      const W = item.width;
      const H = item.height;
      const chans = maps.channels.map((c) => toImagePixels(c, maps, W, H));
      const g = chans[s.glandIndex];
      const t = chans[s.tumourIndex];
      const b = hasBorder ? chans[s.borderIndex] : undefined;
      if (values['dump-maps'])
        dumpMaps(join(values['dump-maps'], m.id), item.name, chans, s.channels, W, H, item.grade);
      // the sweep shares each threshold's and seed radius's work across its settings
      // (src/glas/instance-sweep.ts: the same totals as one glandInstances per setting)
      let perSetting: ObjectTotals[];
      if (values.sweep) perSetting = sweepObjectTotals(g, W, H, truth, settings, b);
      else {
        const before = instancesBeforeMinArea(g, W, H, inst, b);
        const S = withoutSmallObjects(before.objects, inst.minArea);
        perSetting = [imageObjectTotals(S, truth)];
        // why each undetected gland was missed, by the image's grade (src/glas/miss-breakdown.ts)
        misses[item.grade] = addMissCounts(misses[item.grade], imageMisses(S, truth, before));
      }
      perSetting.forEach((x, k) => {
        totals[k] = addTotals(totals[k], x);
      });
      addPixelCounts(gland, g, (i) => truth.data[i] !== 0, base.threshold);
      const malignant = item.grade === 'malignant';
      const ti = addPixelCounts(emptyCounts(), t, (i) => malignant && truth.data[i] !== 0, base.threshold);
      tumour.tp += ti.tp;
      tumour.fp += ti.fp;
      tumour.fn += ti.fn;
      const share = malignantShare(t, g, rule.threshold);
      if ((share > rule.fraction ? 'malignant' : 'benign') === item.grade) correct++;
      images.push({ name: item.name, grade: item.grade, tumour: ti, share });
    } finally {
      await img.close();
    }
  }
  perModelImages.set(m.id, images);
  const om = objectMetrics(totals[0]);
  const seconds = (performance.now() - t0) / 1000;
  log(
    `${m.id}: F1 ${om.f1.toFixed(3)}, objDice ${om.objDice.toFixed(3)}, tumourIoU ${iou(tumour).toFixed(3)}, ${seconds.toFixed(0)} s`,
  );
  results.push({
    id: m.id,
    f1: round(om.f1),
    objDice: round(om.objDice),
    objHausdorff: round(om.objHausdorff, 2),
    glandDice: round(dice(gland)),
    tumourIoU: round(iou(tumour)),
    gradeAccuracy: round(correct / items.length),
    detections: { tp: om.tp, fp: om.fp, fn: om.fn },
    ...(values.sweep
      ? {}
      : { misses: { benign: missSummary(misses.benign), malignant: missSummary(misses.malignant) } }),
    gradeShareThreshold: rule.fraction,
    instances: inst,
    ...(hasBorder ? { borderChannel: s.channels[s.borderIndex] } : {}),
    edge,
    flips,
    tile: tileSize,
    ...(chosen ? { settingsFrom: resolve(values.settings ?? '') } : {}),
    seconds: Math.round(seconds),
    // per image, so runs of one model each can be paired afterwards (training/glas_bootstrap.py)
    perImage: images.map((i) => ({ name: i.name, grade: i.grade, tumour: i.tumour, share: round(i.share) })),
    ...(values.sweep ? sweepResult(settings, totals, images, flips, tileSize, s.geometry.targetSize) : {}),
  });
  model.dispose();
}

/**
 * `--dump-maps DIR`: the stitched probability maps of one image at image pixels, for analysis
 * outside this CLI (e.g. training/glas_instance_variants.py): DIR/NAME.f32 holds the channels one
 * after another, each H×W little-endian float32 in rows; DIR/NAME.json says the size, the channel
 * names and the grade.
 */
function dumpMaps(
  dir: string,
  name: string,
  channels: Float32Array[],
  names: string[],
  width: number,
  height: number,
  grade: string,
): void {
  mkdirSync(dir, { recursive: true });
  const all = new Float32Array(width * height * channels.length);
  channels.forEach((c, k) => {
    all.set(c, k * width * height);
  });
  writeFileSync(join(dir, `${name}.f32`), new Uint8Array(all.buffer));
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ width, height, channels: names, grade }));
}

/** The grid's scores on the validation images and what they choose (src/glas/choose-settings.ts). */
function sweepResult(
  settings: readonly InstanceOptions[],
  totals: ObjectTotals[],
  images: PerImage[],
  flips: FlipCount,
  tile: number,
  trainedTile: number,
) {
  const sweep = settings.map((o, k) => {
    const x = objectMetrics(totals[k]);
    return { ...o, f1: x.f1, objDice: x.objDice, objHausdorff: x.objHausdorff };
  });
  const grade = chooseGradeFraction(images);
  return {
    sweep: sweep.map((x) => ({
      ...x,
      f1: round(x.f1),
      objDice: round(x.objDice),
      objHausdorff: round(x.objHausdorff, 2),
    })),
    gradeSweep: GRADE_FRACTIONS.map((fraction) => ({
      fraction,
      accuracy: round(gradeAccuracyAt(images, fraction)),
    })),
    gradeShares: images.map((i) => ({ name: i.name, grade: i.grade, share: round(i.share) })),
    chosen: {
      instances: chooseInstance(sweep),
      gradeFraction: grade.fraction,
      gradeAccuracy: round(grade.accuracy),
      ...(flips !== 1 ? { flips } : {}),
      ...(tile !== trainedTile ? { tile } : {}),
    },
  };
}

/** Paired bootstrap over images of the pooled tumour IoU difference b − a. */
function pairedBootstrap(a: PerImage[], b: PerImage[], n: number) {
  const rng = new Prng(7);
  const pooled = (xs: PerImage[], idx: number[]) => {
    const c = emptyCounts();
    for (const i of idx) {
      c.tp += xs[i].tumour.tp;
      c.fp += xs[i].tumour.fp;
      c.fn += xs[i].tumour.fn;
    }
    return iou(c);
  };
  const every = a.map((_, i) => i);
  const observed = pooled(b, every) - pooled(a, every);
  const diffs: number[] = [];
  for (let r = 0; r < n; r++) {
    const idx = every.map(() => rng.int(0, every.length));
    diffs.push(pooled(b, idx) - pooled(a, idx));
  }
  diffs.sort((x, y) => x - y);
  return {
    difference: round(observed),
    ci95: [round(diffs[Math.floor(0.025 * n)]), round(diffs[Math.floor(0.975 * n)])],
    shareAboveZero: round(diffs.filter((d) => d > 0).length / n),
    resamples: n,
  };
}

const comparisons = [];
const unet = perModelImages.get('glas-unet');
for (const [id, imgs] of perModelImages) {
  if (id === 'glas-unet' || !unet) continue;
  comparisons.push({
    a: 'glas-unet',
    b: id,
    tumourIoU: pairedBootstrap(unet, imgs, Number(values.bootstrap)),
  });
}

const trainCsv = join(values.data, '..', 'train', 'Grade.csv');
console.log(
  JSON.stringify({
    models: results,
    comparisons,
    data: resolve(values.data),
    split: values.split,
    images: items.length,
    patients: [...new Set(items.map((i) => i.patientId))].length,
    sharedPatientsWithTrain:
      existsSync(trainCsv) && !values.data.includes('train')
        ? sharedPatients(await readGlasFolder(join(values.data, '..', 'train')), all).length
        : null,
    mpp: slideMpp,
    instances: values.sweep ? 'sweep' : values.settings ? 'chosen on validation' : base,
    gradeRule: values.settings ? 'chosen on validation' : gradeRule,
    ...(values.settings ? { settings: resolve(values.settings) } : {}),
    backend: tf.getBackend(),
  }),
);
