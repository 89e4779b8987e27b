import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openSlide } from '../slide/index';
import { syntheticSource } from '../slide/synthetic-source.fixture';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { detectTissue, otsuThreshold, tissueFraction, tissueMaskFromRgba } from './tissue-detection';

const camelyon = sharedPath('camelyonLevel5');
const cmu = sharedPath('cmuSvs');

describe('tissue detection', () => {
  it("finds Otsu's threshold between two modes", () => {
    const hist = new Array(256).fill(0);
    for (let i = 0; i < 20; i++) hist[5 + i] = 100; // glass
    for (let i = 0; i < 40; i++) hist[90 + i] = 50; // tissue
    const t = otsuThreshold(hist);
    expect(t).toBeGreaterThanOrEqual(24);
    expect(t).toBeLessThan(90);
  });

  it('separates a pink blob from glass, pen-black and white', async () => {
    const source = syntheticSource(800, 600, (x, y) => {
      if ((x - 300) ** 2 + (y - 300) ** 2 < 150 ** 2) return [200, 120, 170]; // H&E pink
      if (x > 700 && y < 50) return [20, 20, 25]; // pen mark
      return [235, 233, 236]; // glass
    });
    const mask = await detectTissue(source, { maxSize: 200 });
    expect(mask.downsample).toBe(4);
    expect(tissueFraction(mask, { x: 250, y: 250, width: 100, height: 100 })).toBe(1);
    expect(tissueFraction(mask, { x: 600, y: 400, width: 100, height: 100 })).toBe(0);
    expect(tissueFraction(mask, { x: 720, y: 0, width: 60, height: 40 })).toBe(0);
    // partly covered patch at the blob's edge
    const edge = tissueFraction(mask, { x: 430, y: 250, width: 60, height: 100 });
    expect(edge).toBeGreaterThan(0.1);
    expect(edge).toBeLessThan(0.9);
  });

  it('treats an all-glass image as background', () => {
    const data = new Uint8ClampedArray(64 * 64 * 4);
    for (let k = 0; k < data.length; k += 4) data.set([238 + (k % 5), 236, 240, 255], k);
    const mask = tissueMaskFromRgba({ width: 64, height: 64, data }, 1);
    expect(mask.data.reduce((a, b) => a + b, 0)).toBe(0);
  });

  describe.skipIf(!sharedAvailable('tissue detection on CAMELYON16', 'camelyonLevel5', 'camelyonNcrf'))(
    'on CAMELYON16 tumor_001 (level 5)',
    () => {
      it('keeps every annotated tumour vertex and drops most of the glass', async () => {
        const slide = await openSlide(new Blob([await readFile(camelyon)]), { name: 'tumor001' });
        const mask = await detectTissue(slide, { maxSize: 512 });
        const tissue = mask.data.reduce((a, b) => a + b, 0) / mask.data.length;
        expect(tissue).toBeGreaterThan(0.03);
        expect(tissue).toBeLessThan(0.3); // the slide is mostly glass
        const ann = JSON.parse(await readFile(sharedPath('camelyonNcrf'), 'utf8'));
        let inside = 0;
        let n = 0;
        for (const poly of ann.positive as { vertices: [number, number][] }[]) {
          for (const [x, y] of poly.vertices) {
            n++;
            inside +=
              tissueFraction(mask, { x: x / 32 - 16, y: y / 32 - 16, width: 32, height: 32 }) > 0 ? 1 : 0;
          }
        }
        expect(n).toBeGreaterThan(100);
        expect(inside / n).toBeGreaterThan(0.95);
        slide.close();
      });
    },
  );

  describe.skipIf(!sharedAvailable('tissue detection on CMU-1', 'cmuSvs'))('on CMU-1 small region', () => {
    it('finds the tissue strip and the glass beside it', async () => {
      const slide = await openSlide(new Blob([await readFile(cmu)]), { name: 'cmu' });
      const mask = await detectTissue(slide, { maxSize: 384 });
      const tissue = mask.data.reduce((a, b) => a + b, 0) / mask.data.length;
      expect(tissue).toBeGreaterThan(0.2);
      expect(tissue).toBeLessThan(0.7);
      // top-left corner of this crop is glass
      expect(tissueFraction(mask, { x: 0, y: 0, width: 300, height: 300 })).toBeLessThan(0.05);
      slide.close();
    });
  });
});
