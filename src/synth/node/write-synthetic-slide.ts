// Node only (sharp): paints a synthetic slide strip by strip and writes the pyramidal TIFF,
// the exact tumour mask, the tumour outlines (GeoJSON) and a JSON sidecar.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { AnnotationRegion } from '../../annotations/annotation-types';
import { toGeoJson } from '../../annotations/geojson';
import { buildLayout, RULES, type SlideLayout, SYNTH_VERSION, summarise } from '../layout';
import { layoutMask } from '../mask';
import { paintStrip } from '../paint';
import { shapeRing } from '../shape';

export interface SyntheticSlideOptions {
  seed: number;
  sizeMm: number;
  outDir: string;
  /** file stem; default `synth-<seed>` */
  name?: string;
  signal?: AbortSignal;
}

export interface SyntheticSlideFiles {
  tiff: string;
  mask: string;
  geojson: string;
  sidecar: string;
}

/** level-0 px */
export interface ObjectBrief {
  cx: number;
  cy: number;
  minRadius: number;
  maxRadius: number;
  rim: number;
}

export interface SyntheticSidecar {
  generator: 'mrn-viewer synth';
  version: number;
  seed: number;
  sizeMm: number;
  width: number;
  height: number;
  mpp: number;
  maskMpp: number;
  tumourCount: number;
  lookalikeCount: number;
  tumourAreaUm2: number;
  lookalikeAreaUm2: number;
  tissueAreaUm2: number;
  /** centre and size of every look-alike, for balanced patch sampling (level-0 px) */
  lookalikes: ObjectBrief[];
  tumours: ObjectBrief[];
  rules: typeof RULES;
}

export const STRIP_ROWS = 256;
export const MASK_MPP = 1;

export function slideFiles(outDir: string, name: string): SyntheticSlideFiles {
  return {
    tiff: join(outDir, `${name}.tiff`),
    mask: join(outDir, `${name}.mask.png`),
    geojson: join(outDir, `${name}.geojson`),
    sidecar: join(outDir, `${name}.json`),
  };
}

/** Paints the whole slide into one RGB buffer (W·H·3 bytes), a strip at a time. */
export function paintSlide(layout: SlideLayout, signal?: AbortSignal): Buffer {
  const { width, height } = layout;
  const raw = Buffer.alloc(width * height * 3);
  for (let y0 = 0; y0 < height; y0 += STRIP_ROWS) {
    signal?.throwIfAborted();
    const rows = Math.min(STRIP_ROWS, height - y0);
    paintStrip(layout, y0, rows, raw.subarray(y0 * width * 3, (y0 + rows) * width * 3));
  }
  return raw;
}

export function tumourRegions(layout: SlideLayout): AnnotationRegion[] {
  return layout.objects
    .filter((o) => o.kind === 'tumour')
    .map((o, i) => ({
      name: `tumour ${i}`,
      classification: 'Tumor',
      positive: true,
      rings: [shapeRing(o.shape)],
    }));
}

export async function writeSyntheticSlide(options: SyntheticSlideOptions): Promise<SyntheticSlideFiles> {
  const name = options.name ?? `synth-${options.seed}`;
  const files = slideFiles(options.outDir, name);
  await mkdir(options.outDir, { recursive: true });
  const layout = buildLayout({ seed: options.seed, sizeMm: options.sizeMm });
  const raw = paintSlide(layout, options.signal);
  options.signal?.throwIfAborted();

  const pxPerMm = 1000 / layout.mpp;
  const tmp = `${files.tiff}.partial`;
  await sharp(raw, {
    raw: { width: layout.width, height: layout.height, channels: 3 },
    limitInputPixels: false,
  })
    .tiff({
      tile: true,
      tileWidth: 256,
      tileHeight: 256,
      pyramid: true,
      compression: 'jpeg',
      quality: 85,
      // sharp takes pixels per mm and, with unit 'cm', stores px/cm: ResolutionUnit 3, 20000 px/cm = 0.5 µm/px
      xres: pxPerMm,
      yres: pxPerMm,
      resolutionUnit: 'cm',
    })
    .toFile(tmp);
  await rename(tmp, files.tiff);

  const mask = layoutMask(layout, MASK_MPP, 'tumour');
  await sharp(mask.data, {
    raw: { width: mask.width, height: mask.height, channels: 1 },
    limitInputPixels: false,
  })
    .toColourspace('b-w') // else sharp writes an RGB PNG
    .png({ compressionLevel: 9 })
    .toFile(files.mask);

  await writeFile(files.geojson, toGeoJson(tumourRegions(layout)));

  const s = summarise(layout);
  const brief = (kind: 'tumour' | 'lookalike') =>
    layout.objects
      .filter((o) => o.kind === kind)
      .map((o) => ({
        cx: o.shape.cx,
        cy: o.shape.cy,
        minRadius: o.shape.minRadius,
        maxRadius: o.shape.maxRadius,
        rim: o.rim,
      }));
  const sidecar: SyntheticSidecar = {
    generator: 'mrn-viewer synth',
    version: SYNTH_VERSION,
    seed: options.seed,
    sizeMm: options.sizeMm,
    width: layout.width,
    height: layout.height,
    mpp: layout.mpp,
    maskMpp: MASK_MPP,
    tumourCount: s.tumourCount,
    lookalikeCount: s.lookalikeCount,
    tumourAreaUm2: Math.round(s.tumourAreaUm2),
    lookalikeAreaUm2: Math.round(s.lookalikeAreaUm2),
    tissueAreaUm2: Math.round(s.tissueAreaUm2),
    lookalikes: brief('lookalike'),
    tumours: brief('tumour'),
    rules: RULES,
  };
  await writeFile(files.sidecar, JSON.stringify(sidecar, null, 1));
  return files;
}
