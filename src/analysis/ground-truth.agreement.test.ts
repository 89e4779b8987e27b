// Training labels, evaluation truth and the tissue mask come from one rasteriser and one tissue
// module. This proves the three paths agree on a real synthetic slide: the label of every training
// patch pixel (annotations/patch-pairs) equals the ground truth Dice/IoU and `npm run eval` score
// against (analysis/ground-truth), and the tissue the training sampler draws from is the tissue
// mask inference skips background with (tissue/tissue-detection).

import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnnotations } from '../annotations/parse-annotations';
import { extractPair } from '../annotations/patch-pairs';
import { CATEGORIES, overviewCategoryMap, sampleCentres } from '../annotations/patch-sampling';
import { type PatchGeometry, pixelAlignedCenter, targetRegion } from '../geometry/patch-geometry';
import { createSharpJpegDecoder } from '../slide/decoders/node/jpeg-sharp';
import { openSlide } from '../slide/open-slide';
import type { SlideReader } from '../slide/slide-reader';
import { writeSyntheticSlide } from '../synth/node/write-synthetic-slide';
import { detectTissue } from '../tissue/tissue-detection';
import { groundTruthFromAnnotations } from './ground-truth';

// pixel-aligned MRN centres put the target patch on whole cells of the ground truth's grid
const MRN: PatchGeometry = { targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 };

describe('training labels, evaluation truth and the inference tissue mask agree', () => {
  let dir: string;
  let source: SlideReader;
  let annotations: ReturnType<typeof parseAnnotations>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agree-'));
    const files = await writeSyntheticSlide({ seed: 1004, sizeMm: 1.5, outDir: dir });
    source = await openSlide(await openAsBlob(files.tiff), { jpegDecoder: createSharpJpegDecoder() });
    annotations = parseAnnotations(await readFile(files.geojson, 'utf8'));
  });
  afterAll(async () => {
    source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every training label pixel equals the ground truth at its centre', async () => {
    const mpp = source.metadata.mpp!;
    const { width, height } = source.metadata;
    const d = MRN.targetMpp / mpp;
    // ground truth on the label grid (origin 0, one cell per target pixel)
    const gt = groundTruthFromAnnotations(annotations, { width, height }, 'gt', Math.max(width, height) / d);
    expect(gt.mask.downsample).toBe(d);
    const map = await overviewCategoryMap(source, annotations.regions, [], 32 / mpp);
    const centres = sampleCentres(map, 48, 3).map((s) => pixelAlignedCenter(s.center, MRN, mpp));
    let tumour = 0;
    let pixels = 0;
    let disagree = 0;
    for (const center of centres) {
      const pair = await extractPair(source, annotations.regions, center, MRN, mpp);
      const t = targetRegion(center, MRN, mpp);
      for (let j = 0; j < MRN.targetSize; j++) {
        for (let i = 0; i < MRN.targetSize; i++) {
          const label = pair.targetMask[j * MRN.targetSize + i];
          const truth = gt.sampler(t.x + (i + 0.5) * d, t.y + (j + 0.5) * d);
          if (label !== truth) disagree++;
          tumour += label;
          pixels++;
        }
      }
    }
    expect(disagree).toBe(0);
    // the comparison saw both classes, so it could have failed
    expect(tumour).toBeGreaterThan(pixels * 0.05);
    expect(tumour).toBeLessThan(pixels * 0.95);
  });

  it('the training sampler draws from the tissue mask inference uses', async () => {
    const map = await overviewCategoryMap(source, annotations.regions, [], 64);
    const tissue = await detectTissue(source);
    expect([map.width, map.height, map.cell]).toEqual([tissue.width, tissue.height, tissue.downsample]);
    const tumourish = new Set([CATEGORIES.indexOf('tumour'), CATEGORIES.indexOf('tumour-border')]);
    const normal = CATEGORIES.indexOf('normal');
    let mismatched = 0;
    let glass = 0;
    let tissueCells = 0;
    for (let k = 0; k < map.data.length; k++) {
      if (tumourish.has(map.data[k])) continue;
      // outside tumour: 'normal' exactly where inference sees tissue, background elsewhere
      const expected = tissue.data[k] === 1 ? normal : 255;
      if (map.data[k] !== expected) mismatched++;
      if (tissue.data[k] === 1) tissueCells++;
      else glass++;
    }
    expect(mismatched).toBe(0);
    expect(glass).toBeGreaterThan(0);
    expect(tissueCells).toBeGreaterThan(0);
  });
});
