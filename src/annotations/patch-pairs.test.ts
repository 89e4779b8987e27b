import { openAsBlob, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contextRegion,
  type PatchGeometry,
  pixelAlignedCenter,
  targetRegion,
} from '../geometry/patch-geometry';
import { createSharpJpegDecoder } from '../slide/decoders/node/jpeg-sharp';
import { openSlide } from '../slide/open-slide';
import type { SlideSource } from '../slide/slide-types';
import { buildLayout } from '../synth/layout';
import { type SyntheticSidecar, writeSyntheticSlide } from '../synth/node/write-synthetic-slide';
import { depthInside } from '../synth/shape';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { scaleAnnotations } from './annotation-types';
import { parseAnnotations } from './parse-annotations';
import { extractPair, type PatchPair, packPair, recordBytes, slideMppOrThrow } from './patch-pairs';
import {
  alignSomeCentres,
  CATEGORIES,
  overviewCategoryMap,
  type SampledCentre,
  sampleCentres,
} from './patch-sampling';

const MRN: PatchGeometry = { targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 };
const jpeg = createSharpJpegDecoder();

const sum = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);

describe('patch pairs from a synthetic slide', () => {
  const SEED = 1011;
  let dir: string;
  let source: SlideSource;
  let pairs: { pair: PatchPair; sample: SampledCentre }[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pairs-'));
    const files = await writeSyntheticSlide({ seed: SEED, sizeMm: 1.5, outDir: dir });
    source = await openSlide(await openAsBlob(files.tiff), { jpegDecoder: jpeg, name: 'synth.tiff' });
    const regions = parseAnnotations(await readFile(files.geojson, 'utf8')).regions;
    const sidecar = JSON.parse(await readFile(files.sidecar, 'utf8')) as SyntheticSidecar;
    const mpp = slideMppOrThrow(source);
    const map = await overviewCategoryMap(source, regions, sidecar.lookalikes, 32 / mpp);
    const centres = sampleCentres(map, 80, 5);
    pairs = [];
    for (const sample of centres)
      pairs.push({ pair: await extractPair(source, regions, sample.center, MRN, mpp), sample });
  });
  afterAll(async () => {
    source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves about the asked share of centres onto the inference pixel grid, deterministically', () => {
    const centres = pairs.map((p) => p.sample);
    const aligned = alignSomeCentres(centres, 0.5, (c) => pixelAlignedCenter(c, MRN, 0.5), 9);
    const moved = aligned.filter((c, i) => c.center !== centres[i].center);
    expect(moved.length).toBeGreaterThan(25);
    expect(moved.length).toBeLessThan(55);
    for (const c of moved) expect(contextRegion(c.center, MRN, 0.5).x % 8).toBe(0);
    expect(alignSomeCentres(centres, 0.5, (c) => pixelAlignedCenter(c, MRN, 0.5), 9)).toEqual(aligned);
    expect(alignSomeCentres(centres, 0, (c) => c, 9)).toEqual(centres);
    expect(() => alignSomeCentres(centres, 2, (c) => c, 9)).toThrow(/fraction/);
  });

  it('samples every category, balanced by quota, deterministically', async () => {
    const seen = new Set(pairs.map((p) => p.sample.category));
    expect([...seen].sort()).toEqual([...CATEGORIES].sort());
    expect(pairs.filter((p) => p.sample.category === 'tumour').length).toBe(20);
  });

  it('rasterises target masks that agree with the layout itself', () => {
    const layout = buildLayout({ seed: SEED, sizeMm: 1.5 });
    const tumours = layout.objects.filter((o) => o.kind === 'tumour');
    let agree = 0;
    let total = 0;
    for (const { pair } of pairs) {
      const r = targetRegion(pair.center, MRN, 0.5);
      for (let j = 0; j < 64; j++) {
        for (let i = 0; i < 64; i++) {
          const x = r.x + (i + 0.5) * r.downsample;
          const y = r.y + (j + 0.5) * r.downsample;
          const truth = tumours.some((o) => depthInside(o.shape, x, y) >= 0) ? 1 : 0;
          agree += truth === pair.targetMask[j * 64 + i] ? 1 : 0;
          total++;
        }
      }
    }
    expect(agree / total).toBeGreaterThan(0.995);
  });

  it('labels tumour centres tumour and look-alike centres not, and the context mask matches the target', () => {
    for (const { pair, sample } of pairs) {
      if (sample.category === 'tumour') expect(sum(pair.targetMask)).toBe(64 * 64);
      if (sample.category.startsWith('lookalike') || sample.category === 'normal')
        expect(sum(pair.targetMask)).toBe(0);
      // the target field is the context's central 16×16; each context pixel covers 4×4 target pixels
      let agree = 0;
      for (let j = 0; j < 16; j++) {
        for (let i = 0; i < 16; i++) {
          let block = 0;
          for (let v = 0; v < 4; v++)
            for (let u = 0; u < 4; u++) block += pair.targetMask[(j * 4 + v) * 64 + i * 4 + u];
          const c = pair.contextMask[(24 + j) * 64 + 24 + i];
          if (block === 0 || block === 16) agree += c === block / 16 ? 1 : 0;
          else agree++;
        }
      }
      expect(agree).toBeGreaterThanOrEqual(250);
    }
  });

  it('sees the same-looking texture at look-alike and tumour centres', () => {
    const meanRgb = (category: string) => {
      const sel = pairs.filter((p) => p.sample.category === category);
      const acc = [0, 0, 0];
      for (const { pair } of sel) for (let i = 0; i < pair.target.length; i++) acc[i % 3] += pair.target[i];
      return acc.map((a) => a / (sel.length * 64 * 64));
    };
    const t = meanRgb('tumour');
    const l = meanRgb('lookalike-interior');
    for (let k = 0; k < 3; k++) expect(Math.abs(t[k] - l[k])).toBeLessThan(6);
  });

  it('packs records in the documented layout', () => {
    const { pair } = pairs[0];
    expect(recordBytes(MRN)).toBe(32768);
    const out = new Uint8Array(2 * 32768);
    packPair(pair, MRN, out, 1);
    expect(out.subarray(32768, 32768 + 12288)).toEqual(pair.target);
    expect(out.subarray(32768 + 12288, 32768 + 24576)).toEqual(pair.context);
    expect(out.subarray(32768 + 24576, 32768 + 28672)).toEqual(pair.targetMask);
    expect(out.subarray(32768 + 28672, 65536)).toEqual(pair.contextMask);
  });
});

const CAMELYON = sharedPath('camelyonLevel5');
const NCRF = sharedPath('camelyonNcrf');

describe.skipIf(!sharedAvailable('patch pairs from CAMELYON16', 'camelyonLevel5', 'camelyonNcrf'))(
  'patch pairs from CAMELYON16 Tumor_001 level 5',
  () => {
    it('needs an mpp, then extracts masks from the NCRF polygons', async () => {
      const source = await openSlide(await openAsBlob(CAMELYON), {
        jpegDecoder: jpeg,
        name: 'tumor001-level5.tif',
      });
      try {
        expect(() => slideMppOrThrow(source)).toThrow(/does not record its resolution/);
        const mpp = slideMppOrThrow(source, 7.78);
        const regions = scaleAnnotations(parseAnnotations(readFileSync(NCRF, 'utf8')), 1 / 32).regions;
        // at 7.78 µm/px a 1 µm target is meaningless: use a coarse pair (8 and 32 µm/px)
        const coarse: PatchGeometry = { targetSize: 64, targetMpp: 8, contextSize: 64, contextMpp: 32 };
        const map = await overviewCategoryMap(source, regions, [], (32 * 8) / mpp);
        const centres = sampleCentres(map, 24, 3);
        let tumourPixels = 0;
        for (const sample of centres) {
          const pair = await extractPair(source, regions, sample.center, coarse, mpp);
          if (sample.category === 'tumour') expect(sum(pair.targetMask)).toBeGreaterThan(64 * 64 * 0.9);
          if (sample.category === 'normal') expect(sum(pair.targetMask)).toBe(0);
          tumourPixels += sum(pair.contextMask);
          // tissue, not glass, under a tumour centre
          if (sample.category === 'tumour')
            expect(pair.target.reduce((a, v) => a + v, 0) / pair.target.length).toBeLessThan(220);
        }
        expect(tumourPixels).toBeGreaterThan(1000);
      } finally {
        source.close();
      }
    });
  },
);
