import { beforeAll, describe, expect, it } from 'vitest';
import { makeOmeTiff, OME_SIZE } from '../../scripts/fixtures/good-fixtures';
import { codedPattern, halve, type RgbImage } from '../../scripts/fixtures/pattern';
import { bestLevelFor } from './slide-levels';
import { openBytes, pixel } from './test-helpers';

/** Independent 2-D box-filter reference: output pixel (i, j) averages its exact footprint. */
function boxReference(
  img: RgbImage,
  scale: number,
  x: number,
  y: number,
  i: number,
  j: number,
  ds: number,
  c: number,
) {
  const x0 = (x + i * ds) / scale;
  const x1 = (x + (i + 1) * ds) / scale;
  const y0 = (y + j * ds) / scale;
  const y1 = (y + (j + 1) * ds) / scale;
  let s = 0;
  let wsum = 0;
  for (let yy = Math.floor(y0); yy < y1; yy++) {
    for (let xx = Math.floor(x0); xx < x1; xx++) {
      const w = (Math.min(xx + 1, x1) - Math.max(xx, x0)) * (Math.min(yy + 1, y1) - Math.max(yy, y0));
      if (w <= 0) continue;
      const inside = xx >= 0 && yy >= 0 && xx < img.width && yy < img.height;
      s += w * (inside ? img.data[(yy * img.width + xx) * 3 + c] : 255);
      wsum += w;
    }
  }
  return s / wsum;
}

describe('readRegion geometry (lossless OME fixture, coded pixels)', () => {
  let bytes: Uint8Array;
  beforeAll(async () => {
    bytes = await makeOmeTiff();
  });
  const level0 = codedPattern(OME_SIZE.width, OME_SIZE.height);
  const level1 = halve(level0);

  it('downsample 1 at integer offsets copies pixels exactly, across tile borders', async () => {
    const s = await openBytes(bytes, 'ome');
    const r = await s.readRegion({ x: 250, y: 500, width: 20, height: 30, downsample: 1 });
    for (const [i, j] of [
      [0, 0],
      [5, 11],
      [6, 12],
      [19, 29],
    ]) {
      const x = 250 + i;
      const y = 500 + j;
      expect(pixel(r, i, j)).toEqual([x & 255, y & 255, ((x >> 8) << 4) | (y >> 8)]);
    }
  });

  it('picks the coarsest level whose downsample does not exceed the request', async () => {
    const s = await openBytes(bytes, 'ome');
    expect(bestLevelFor(s.metadata.levels, 1)).toBe(0);
    expect(bestLevelFor(s.metadata.levels, 1.99)).toBe(0);
    expect(bestLevelFor(s.metadata.levels, 2)).toBe(1);
    expect(bestLevelFor(s.metadata.levels, 3)).toBe(1);
    expect(bestLevelFor(s.metadata.levels, 1000)).toBe(s.metadata.levels.length - 1);
    expect(bestLevelFor(s.metadata.levels, 0.25)).toBe(0);
  });

  it('area-averages when shrinking (downsample 3 from level 1, fractional origin)', async () => {
    const s = await openBytes(bytes, 'ome');
    const x = 301.5;
    const y = 77.25;
    const ds = 3;
    const r = await s.readRegion({ x, y, width: 40, height: 30, downsample: ds });
    let worst = 0;
    for (let j = 0; j < 30; j += 3) {
      for (let i = 0; i < 40; i += 3) {
        for (let c = 0; c < 2; c++) {
          const ref = boxReference(level1, 2, x, y, i, j, ds, c);
          worst = Math.max(worst, Math.abs(ref - pixel(r, i, j)[c]));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(0.51);
  });

  it('half-pixel-centre bilinear when enlarging (downsample 0.5)', async () => {
    const s = await openBytes(bytes, 'ome');
    const r = await s.readRegion({ x: 100, y: 40, width: 50, height: 10, downsample: 0.5 });
    for (let i = 0; i < 50; i++) {
      const u = 100 + (i + 0.5) * 0.5 - 0.5; // R is x, a linear ramp, so bilinear returns u
      expect(Math.abs(pixel(r, i, 0)[0] - u)).toBeLessThanOrEqual(0.5);
    }
  });

  it('is white outside the slide', async () => {
    const s = await openBytes(bytes, 'ome');
    const r = await s.readRegion({ x: -10, y: OME_SIZE.height - 5, width: 20, height: 10, downsample: 1 });
    expect(pixel(r, 0, 0)).toEqual([255, 255, 255]); // left of the slide
    expect(pixel(r, 15, 7)).toEqual([255, 255, 255]); // below it
    expect(pixel(r, 15, 2)).toEqual([
      5,
      (OME_SIZE.height - 3) & 255,
      (0 << 4) | ((OME_SIZE.height - 3) >> 8),
    ]);
    const far = await s.readRegion({ x: 10_000, y: 10_000, width: 8, height: 8, downsample: 4 });
    expect(far.data.every((v) => v === 255)).toBe(true);
  });

  it('whole-slide overview from the synthetic levels', async () => {
    const s = await openBytes(bytes, 'ome');
    const ds = 1200 / 64;
    const r = await s.readRegion({ x: 0, y: 0, width: 64, height: 48, downsample: ds });
    expect([r.width, r.height]).toEqual([64, 48]);
    let worst = 0;
    for (let j = 0; j < 48; j += 5) {
      for (let i = 0; i < 64; i += 5) {
        for (let c = 0; c < 3; c++) {
          worst = Math.max(worst, Math.abs(boxReference(level0, 1, 0, 0, i, j, ds, c) - pixel(r, i, j)[c]));
        }
      }
    }
    // level 3 is synthetic (2×2 of 2×2 of 2×2, each rounded), then area-averaged: close to the exact box
    expect(worst).toBeLessThan(3);
  });

  it('rejects impossible regions with SlideError', async () => {
    const s = await openBytes(bytes, 'ome', { limits: { maxRegionBytes: 1 << 20 } });
    await expect(s.readRegion({ x: 0, y: 0, width: 0, height: 5, downsample: 1 })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(s.readRegion({ x: 0, y: 0, width: 5, height: 5, downsample: 0 })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(
      s.readRegion({ x: 0, y: 0, width: 4096, height: 4096, downsample: 1 }),
    ).rejects.toMatchObject({
      code: 'allocation-limit',
    });
  });
});
