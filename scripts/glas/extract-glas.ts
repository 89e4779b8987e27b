// GlaS target/context patch pairs with 3-class masks (0 background, 1 benign gland, 2 malignant
// gland), in the shard format of scripts/extract-patches.ts (same patch geometry, same packPair).
// With `--border-px R` each mask value also carries a gland-border bit (value + 4: the inner band
// of every gland outline and the gaps between glands, R level-0 px wide; src/glas/gland-borders.ts),
// the label of a model's "border" channel; the manifest's `borderPx` says so.
//
// Usage:
//   tsx scripts/glas/extract-glas.ts --data ../shared/glas/train --split train|val|all --out DIR \
//     [--per-image 96] [--seed 1] [--mpp 0.62] [--target-mpp 1.24 --context-mpp 2.48 --size 96] \
//     [--limit N] [--aligned-fraction 0.5] [--val-patients 3,5,6,11,13] [--edge pad|reflect] \
//     [--border-px 0]
//
// Centres are uniform over the image, edges included: the context patch (and near the border the
// target too) reaches past the image, where the reader pads white ("pad" edge handling, the
// default, the same as the viewer shows at an image's edge) or, with `--edge reflect`, the image
// is mirrored there, and so are the labels (src/glas/reflect-edges.ts).

import { setMaxListeners } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packPair, recordBytes, recordLayout } from '../../src/annotations/patch-pairs';
import {
  contextRegion,
  type PatchGeometry,
  pixelAlignedCenter,
  targetRegion,
} from '../../src/geometry/patch-geometry';
import { glandBorders, MAX_BORDER_RADIUS } from '../../src/glas/gland-borders';
import { classMask, DEFAULT_VAL_PATIENTS, GLAS_CLASSES, patientSplit } from '../../src/glas/glas-dataset';
import { classPatch } from '../../src/glas/glas-patches';
import { isEdgeMode, withEdges } from '../../src/glas/reflect-edges';
import type { RgbaImage } from '../../src/slide/slide-types';
import { hash2, Prng } from '../../src/util/prng';
import { readGlasFolder, readGlasMask } from './glas-folder';
import { openGlasImage } from './open-glas-image';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    split: { type: 'string', default: 'all' },
    out: { type: 'string' },
    'per-image': { type: 'string', default: '96' },
    seed: { type: 'string', default: '1' },
    mpp: { type: 'string', default: '0.62' },
    'target-mpp': { type: 'string', default: '1.24' },
    'context-mpp': { type: 'string', default: '2.48' },
    size: { type: 'string', default: '96' },
    limit: { type: 'string' },
    'aligned-fraction': { type: 'string', default: '0.5' },
    'val-patients': { type: 'string', default: DEFAULT_VAL_PATIENTS.join(',') },
    edge: { type: 'string', default: 'pad' },
    'border-px': { type: 'string', default: '0' },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

if (!values.data || !values.out)
  fail('usage: --data GLAS_DIR --out DIR [--split train|val|all …] (see the header)');
const perImage = Number(values['per-image']);
const seed = Number(values.seed);
const mpp = Number(values.mpp);
const size = Number(values.size);
const alignedFraction = Number(values['aligned-fraction']);
const geometry: PatchGeometry = {
  targetSize: size,
  targetMpp: Number(values['target-mpp']),
  contextSize: size,
  contextMpp: Number(values['context-mpp']),
};
if (![perImage, seed, size].every(Number.isInteger) || perImage < 1 || size < 8)
  fail('--per-image, --seed, --size take integers');
if (!(mpp > 0) || !(geometry.targetMpp > 0) || !((geometry.contextMpp ?? 0) > 0))
  fail('mpp values must be positive');
if (!(alignedFraction >= 0 && alignedFraction <= 1)) fail('--aligned-fraction must lie in [0, 1]');
if (!['train', 'val', 'all'].includes(values.split ?? '')) fail('--split is train, val or all');
const edge = isEdgeMode(values.edge) ? values.edge : fail('--edge is pad or reflect');
const borderPx = Number(values['border-px']);
if (!Number.isInteger(borderPx) || borderPx < 0 || borderPx > MAX_BORDER_RADIUS)
  fail(`--border-px takes an integer in 0..${MAX_BORDER_RADIUS} (0: no border bit)`);

const all = await readGlasFolder(values.data);
const split = patientSplit(all, (values['val-patients'] ?? '').split(',').filter(Boolean));
let items = values.split === 'train' ? split.train : values.split === 'val' ? split.val : all;
const byName = new Map(all.map((i) => [i.name, i]));
if (values.limit) items = items.slice(0, Number(values.limit));
if (items.length === 0) fail(`no images in split ${values.split}`);
await mkdir(values.out, { recursive: true });

const controller = new AbortController();
setMaxListeners(256, controller.signal);
process.on('SIGINT', () => controller.abort());

function rgbOf(img: RgbaImage): Uint8Array {
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) out.set(img.data.subarray(i * 4, i * 4 + 3), i * 3);
  return out;
}

const bytes = recordBytes(geometry);
const shard = new Uint8Array(items.length * perImage * bytes);
const index = { slide: [] as number[], x: [] as number[], y: [] as number[], category: [] as number[] };
const images: Record<string, unknown>[] = [];
const t0 = performance.now();
let n = 0;
for (const [k, row] of items.entries()) {
  const item = byName.get(row.name);
  if (!item) throw new Error(`internal: ${row.name} lost`);
  const instances = readGlasMask(item);
  const classes = classMask(instances, item.grade);
  if (borderPx > 0) {
    const border = glandBorders(instances, borderPx);
    for (let i = 0; i < classes.length; i++) classes[i] |= border[i] << 2;
  }
  const img = await openGlasImage(item.image, controller.signal);
  const source = withEdges(img.source, edge);
  try {
    const rng = new Prng(hash2(seed, k));
    const counts = [0, 0, 0];
    for (let p = 0; p < perImage; p++) {
      let center = { x: rng.uniform(0, item.width), y: rng.uniform(0, item.height) };
      if (rng.next() < alignedFraction) center = pixelAlignedCenter(center, geometry, mpp);
      const t = targetRegion(center, geometry, mpp);
      const c = contextRegion(center, geometry, mpp);
      const [ti, ci] = await Promise.all([
        source.readRegion({ ...t, signal: controller.signal }),
        source.readRegion({ ...c, signal: controller.signal }),
      ]);
      const targetMask = classPatch(classes, item.width, item.height, t, edge);
      const pair = {
        center,
        target: rgbOf(ti),
        context: rgbOf(ci),
        targetMask,
        contextMask: classPatch(classes, item.width, item.height, c, edge),
      };
      packPair(pair, geometry, shard, n++);
      // category: the patch's majority class
      const hist = [0, 0, 0];
      for (const v of targetMask) hist[v & 3]++;
      const category = hist.indexOf(Math.max(...hist));
      counts[category]++;
      index.slide.push(k);
      index.x.push(Math.round(center.x * 100) / 100);
      index.y.push(Math.round(center.y * 100) / 100);
      index.category.push(category);
    }
    images.push({
      name: item.name,
      patientId: item.patientId,
      grade: item.grade,
      width: item.width,
      height: item.height,
      counts,
    });
  } finally {
    await img.close();
  }
}
await writeFile(join(values.out, 'shard-000.bin'), shard.subarray(0, n * bytes));
await writeFile(join(values.out, 'shard-000.json'), JSON.stringify(index));
const manifest = {
  format: 'mrn-patch-pairs',
  version: 1,
  generator: 'glas',
  task: 'glas-3class',
  data: 'GlaS (MICCAI 2015 Gland Segmentation challenge; research use only; Sirinukunwattana et al., MedIA 35, 2017)',
  geometry,
  slideMpp: mpp,
  edge: edge === 'reflect' ? 'reflect' : 'pad-white',
  reader: 'openSlide (plain-image PNG)',
  classes: GLAS_CLASSES,
  record: recordLayout(
    geometry,
    borderPx > 0
      ? 'class (0 background, 1 benign gland, 2 malignant gland) + 4 on gland borders'
      : '0 background, 1 benign gland, 2 malignant gland',
    'as target_mask',
  ),
  borderPx,
  categories: GLAS_CLASSES,
  split: values.split,
  valPatients: values['val-patients'],
  seed,
  perImage,
  alignedFraction,
  totalRecords: n,
  shards: [{ file: 'shard-000.bin', index: 'shard-000.json', records: n }],
  slides: images,
};
await writeFile(join(values.out, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.log(`${n} pairs from ${items.length} image(s) ${((performance.now() - t0) / 1000).toFixed(1)} s`);
