// Target/context patch pairs with masks, written as flat binary shards for training.
//
// Usage:
//   tsx scripts/extract-patches.ts --slides training/work/slides --out training/work/patches \
//     --per-slide 512 --seed 1 [--annotations FILE --annotation-scale 32] [--mpp 0.5] \
//     [--target-mpp 1 --context-mpp 4 --size 64] [--shard-size 1024] [--aligned-fraction 0.5]
//
// --aligned-fraction: share of centres moved onto the pixel grid of the context read, as
// in-browser inference places them (patch-geometry's pixelAlignedCenter); the rest keep
// sub-pixel positions, whose reads are slightly smoother. Models need both.
//
// Per slide, tumour outlines come from --annotations, else from a sibling <stem>.geojson or
// <stem>.xml (ASAP). A synthetic slide's sidecar <stem>.json adds its look-alikes for sampling.
// Shard layout: see manifest.json ("record") and the README text in the helper's report.

import { setMaxListeners } from 'node:events';
import { existsSync, openAsBlob, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AnnotationSet, scaleAnnotations } from '../src/annotations/annotation-types';
import { parseAnnotations } from '../src/annotations/parse-annotations';
import {
  extractPair,
  packPair,
  recordBytes,
  recordLayout,
  slideMppOrThrow,
} from '../src/annotations/patch-pairs';
import {
  alignSomeCentres,
  CATEGORIES,
  type Lookalike,
  overviewCategoryMap,
  sampleCentres,
} from '../src/annotations/patch-sampling';
import { validateAnnotationsFit } from '../src/annotations/validate-annotations';
import { type PatchGeometry, pixelAlignedCenter } from '../src/geometry/patch-geometry';
import { createSharpJpegDecoder } from '../src/slide/decoders/node/jpeg-sharp';
import { fileSidecar } from '../src/slide/node/sidecar-file';
import { openSlide } from '../src/slide/open-slide';
import { hash2 } from '../src/util/prng';

const { values } = parseArgs({
  options: {
    slides: { type: 'string' },
    out: { type: 'string' },
    'per-slide': { type: 'string', default: '256' },
    seed: { type: 'string', default: '1' },
    annotations: { type: 'string' },
    'annotation-scale': { type: 'string', default: '1' },
    mpp: { type: 'string' },
    'target-mpp': { type: 'string', default: '1' },
    'context-mpp': { type: 'string', default: '4' },
    size: { type: 'string', default: '64' },
    'shard-size': { type: 'string', default: '1024' },
    'aligned-fraction': { type: 'string', default: '0.5' },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

if (!values.slides || !values.out)
  fail('usage: --slides DIR|FILE --out DIR [--per-slide N --seed S …] (see the header)');
const perSlide = Number(values['per-slide']);
const seed = Number(values.seed);
const shardSize = Number(values['shard-size']);
const annotationScale = Number(values['annotation-scale']);
const size = Number(values.size);
const geometry: PatchGeometry = {
  targetSize: size,
  targetMpp: Number(values['target-mpp']),
  contextSize: size,
  contextMpp: Number(values['context-mpp']),
};
if (![perSlide, seed, shardSize, size].every(Number.isInteger) || perSlide < 1 || shardSize < 1 || size < 8) {
  fail('--per-slide, --seed, --shard-size and --size take integers (per-slide, shard-size ≥ 1, size ≥ 8)');
}
if (!(annotationScale > 0) || !(geometry.targetMpp > 0) || !((geometry.contextMpp ?? 0) > 0)) {
  fail('--annotation-scale, --target-mpp and --context-mpp must be positive');
}
const alignedFraction = Number(values['aligned-fraction']);
if (!(alignedFraction >= 0 && alignedFraction <= 1)) fail('--aligned-fraction must lie in [0, 1]');
const mppOverride = values.mpp === undefined ? undefined : Number(values.mpp);

const outDir = values.out;
// --slides names a folder of slides or one slide file
const single = statSync(values.slides).isFile();
const slideDir = single ? dirname(values.slides) : values.slides;
const files = single
  ? [basename(values.slides)]
  : (await readdir(slideDir)).filter((f) => /\.(tiff?|svs)$/i.test(f)).sort();
if (files.length === 0) fail(`no .tif/.tiff/.svs slides in ${slideDir}`);
await mkdir(outDir, { recursive: true });

const bytes = recordBytes(geometry);
let shard = new Uint8Array(shardSize * bytes);
let inShard = 0;
let index = { slide: [] as number[], x: [] as number[], y: [] as number[], category: [] as number[] };
const shards: { file: string; index: string; records: number }[] = [];
const slides: Record<string, unknown>[] = [];
const controller = new AbortController();
// one listener per tile read in flight (a thumbnail reads many at once): not a leak
setMaxListeners(256, controller.signal);
process.on('SIGINT', () => controller.abort());

async function flush(): Promise<void> {
  if (inShard === 0) return;
  const n = shards.length;
  const file = `shard-${String(n).padStart(3, '0')}.bin`;
  const indexFile = `shard-${String(n).padStart(3, '0')}.json`;
  await writeFile(join(outDir, file), shard.subarray(0, inShard * bytes));
  await writeFile(join(outDir, indexFile), JSON.stringify(index));
  shards.push({ file, index: indexFile, records: inShard });
  shard = new Uint8Array(shardSize * bytes);
  inShard = 0;
  index = { slide: [], x: [], y: [], category: [] };
}

function annotationsFor(stem: string): { set: AnnotationSet; file: string } | null {
  const candidates = values.annotations
    ? [values.annotations]
    : [join(slideDir, `${stem}.geojson`), join(slideDir, `${stem}.xml`)];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const set = parseAnnotations(readFileSync(file, 'utf8'), file);
    return { set: annotationScale === 1 ? set : scaleAnnotations(set, 1 / annotationScale), file };
  }
  if (values.annotations) fail(`annotation file ${values.annotations} not found`);
  return null;
}

function lookalikesFor(stem: string): Lookalike[] {
  const file = join(slideDir, `${stem}.json`);
  if (!existsSync(file)) return [];
  const sidecar = JSON.parse(readFileSync(file, 'utf8')) as { generator?: string; lookalikes?: Lookalike[] };
  return sidecar.generator === 'mrn-viewer synth' ? (sidecar.lookalikes ?? []) : [];
}

const t0 = performance.now();
for (const [si, file] of files.entries()) {
  const stem = basename(file, extname(file));
  const source = await openSlide(await openAsBlob(join(slideDir, file)), {
    name: file,
    sidecar: fileSidecar(join(slideDir, file)), // plain images (GlaS PNGs): mpp from <stem>.json
    jpegDecoder: createSharpJpegDecoder(),
    signal: controller.signal,
  });
  try {
    const mpp = slideMppOrThrow(source, mppOverride);
    const { width, height } = source.metadata;
    const ann = annotationsFor(stem);
    if (ann) validateAnnotationsFit(ann.set, width, height);
    else console.warn(`${file}: no annotations; every mask is empty`);
    const regions = ann?.set.regions ?? [];
    // tumour border: within a target half-width of the outline, either side
    const borderPx = (geometry.targetSize * geometry.targetMpp) / 2 / mpp;
    const map = await overviewCategoryMap(source, regions, lookalikesFor(stem), borderPx, controller.signal);
    const centres = alignSomeCentres(
      sampleCentres(map, perSlide, hash2(seed, si)),
      alignedFraction,
      (c) => pixelAlignedCenter(c, geometry, mpp),
      hash2(seed + 1, si),
    );
    const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0]));
    for (const { center, category } of centres) {
      const pair = await extractPair(source, regions, center, geometry, mpp, controller.signal);
      packPair(pair, geometry, shard, inShard++);
      index.slide.push(si);
      index.x.push(Math.round(center.x * 100) / 100);
      index.y.push(Math.round(center.y * 100) / 100);
      index.category.push(CATEGORIES.indexOf(category));
      counts[category]++;
      if (inShard === shardSize) await flush();
    }
    slides.push({
      file,
      width,
      height,
      mpp,
      mppSource: mppOverride === undefined ? source.metadata.mppSource : 'user',
      annotations: ann?.file ?? null,
      annotationScale,
      counts,
    });
    console.log(`${file}: ${centres.length} pairs (${JSON.stringify(counts)})`);
  } finally {
    source.close();
  }
}
await flush();

const manifest = {
  format: 'mrn-patch-pairs',
  version: 1,
  geometry,
  record: recordLayout(geometry, 'tumour 1, else 0'),
  index:
    'shard-NNN.json: per record slide (index into slides), x, y (level-0 centre), category (index into categories)',
  categories: CATEGORIES,
  seed,
  perSlide,
  alignedFraction,
  totalRecords: shards.reduce((a, s) => a + s.records, 0),
  shards,
  slides,
};
await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.log(
  `${manifest.totalRecords} pairs in ${shards.length} shard(s), ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
