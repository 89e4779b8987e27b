import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGeoJson } from '../../annotations/geojson';
import { rasterise } from '../../annotations/rasterise';
import { buildLayout } from '../layout';
import { layoutMask } from '../mask';
import {
  type SyntheticSidecar,
  type SyntheticSlideFiles,
  writeSyntheticSlide,
} from './write-synthetic-slide';

const SEED = 1007;
const SIZE_MM = 1.5;
let dir: string;
let first: SyntheticSlideFiles;
let second: SyntheticSlideFiles;

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synth-'));
  first = await writeSyntheticSlide({ seed: SEED, sizeMm: SIZE_MM, outDir: join(dir, 'a') });
  second = await writeSyntheticSlide({ seed: SEED, sizeMm: SIZE_MM, outDir: join(dir, 'b') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('synthetic slide files', () => {
  it('are byte-identical for the same seed', async () => {
    for (const k of ['tiff', 'mask', 'geojson', 'sidecar'] as const) {
      expect(await sha(first[k])).toBe(await sha(second[k]));
    }
  });

  it('write a tiled JPEG pyramid whose resolution tags say 0.5 µm/px', async () => {
    const tiff = await fromFile(first.tiff);
    const count = await tiff.getImageCount();
    expect(count).toBeGreaterThan(2);
    const base = await tiff.getImage(0);
    expect(base.getWidth()).toBe(3000);
    expect(base.getHeight()).toBe(3000);
    expect(base.getTileWidth()).toBe(256);
    expect(base.isTiled).toBe(true);
    const fd = base.fileDirectory as unknown as Record<string, unknown>;
    const get = (name: string) =>
      typeof (fd as { getValue?: (n: string) => unknown }).getValue === 'function'
        ? (fd as unknown as { getValue: (n: string) => unknown }).getValue(name)
        : fd[name];
    expect(get('Compression')).toBe(7);
    expect(get('ResolutionUnit')).toBe(3); // centimetre
    const xres = get('XResolution') as ArrayLike<number> | number; // RATIONAL: [numerator, denominator]
    const pxPerCm = typeof xres === 'number' ? xres : xres[0] / xres[1];
    expect(10_000 / pxPerCm).toBeCloseTo(0.5, 6);
    const next = await tiff.getImage(1);
    expect(next.getWidth()).toBe(1500);
  });

  it('write a mask equal to the layout and to the GeoJSON outlines', async () => {
    const sidecar = JSON.parse(await readFile(first.sidecar, 'utf8')) as SyntheticSidecar;
    expect(sidecar).toMatchObject({ seed: SEED, mpp: 0.5, maskMpp: 1, width: 3000, height: 3000 });
    expect(await sharp(first.mask).metadata()).toMatchObject({ width: 1500, height: 1500, channels: 1 });
    // sharp widens grey to sRGB on raw output unless told to keep one band
    const { data } = await sharp(first.mask).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const layout = buildLayout({ seed: SEED, sizeMm: SIZE_MM });
    const expected = layoutMask(layout, 1);
    expect(Buffer.from(expected.data).equals(data)).toBe(true);
    const ones = data.reduce((a, v) => a + (v === 255 ? 1 : v === 0 ? 0 : Number.NaN), 0);
    expect(Math.abs(ones - sidecar.tumourAreaUm2) / sidecar.tumourAreaUm2).toBeLessThan(0.01);

    const regions = parseGeoJson(await readFile(first.geojson, 'utf8')).regions;
    expect(regions.length).toBe(sidecar.tumourCount);
    expect(regions.every((r) => r.classification === 'Tumor' && r.positive)).toBe(true);
    const fromPolygons = rasterise(regions, { x: 0, y: 0, width: 1500, height: 1500, downsample: 2 });
    let inter = 0;
    let union = 0;
    for (let i = 0; i < data.length; i++) {
      const a = data[i] === 255;
      const b = fromPolygons[i] === 1;
      if (a && b) inter++;
      if (a || b) union++;
    }
    expect(inter / union).toBeGreaterThan(0.99);
  });
});
