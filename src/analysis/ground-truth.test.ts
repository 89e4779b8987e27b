import { describe, expect, it } from 'vitest';
import type { AnnotationSet } from '../annotations/annotation-types';
import { parseAnnotations } from '../annotations/parse-annotations';
import type { Ring } from '../geometry/polygon-raster';
import { groundTruthFromAnnotations, sidecarUrl } from './ground-truth';

const square = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];

const set = (...regions: [Ring, boolean][]): AnnotationSet => ({
  format: 'geojson',
  regions: regions.map(([ring, positive], i) => ({
    name: `r${i}`,
    classification: null,
    positive,
    rings: [ring],
  })),
});

describe('ground truth', () => {
  const slide = { width: 1000, height: 800 };

  it('is true inside a region and false outside, to the pixel at cell 1', () => {
    const gt = groundTruthFromAnnotations(set([square(100, 200, 300, 400), true]), slide, 'gt');
    expect(gt.mask.downsample).toBe(1);
    expect(gt.truth(100.5, 200.5)).toBe(true);
    expect(gt.truth(299.5, 399.5)).toBe(true);
    expect(gt.truth(99.5, 250)).toBe(false);
    expect(gt.truth(300.5, 250)).toBe(false);
    expect(gt.sampler(150, 250)).toBe(1);
    expect(gt.sampler(-5, 250)).toBe(0);
  });

  it('keeps overlapping positives positive and cuts negative regions out', () => {
    const gt = groundTruthFromAnnotations(
      set(
        [square(100, 100, 300, 300), true],
        [square(200, 200, 400, 400), true],
        [square(120, 120, 140, 140), false],
      ),
      slide,
      'gt',
    );
    expect(gt.truth(250, 250)).toBe(true); // in both positives (even-odd across regions would drop it)
    expect(gt.truth(350, 350)).toBe(true);
    expect(gt.truth(130, 130)).toBe(false); // negative
    expect(gt.truth(150, 150)).toBe(true);
  });

  it('coarsens the grid for big slides', () => {
    const gt = groundTruthFromAnnotations(
      set([square(0, 0, 50_000, 50_000), true]),
      { width: 100_000, height: 40_000 },
      'gt',
      1000,
    );
    expect(gt.mask.width).toBe(1000);
    expect(gt.mask.downsample).toBe(100);
    expect(gt.truth(49_000, 100)).toBe(true);
    expect(gt.truth(51_000, 100)).toBe(false);
  });

  it('reads the demo sidecar format (GeoJSON, level-0 px)', () => {
    const text = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { classification: { name: 'Tumor' } },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [10, 10],
                [60, 10],
                [60, 60],
                [10, 60],
                [10, 10],
              ],
            ],
          },
        },
      ],
    });
    const gt = groundTruthFromAnnotations(parseAnnotations(text, 'demo.geojson'), slide, 'demo.geojson');
    expect(gt.truth(30, 30)).toBe(true);
    expect(gt.truth(70, 30)).toBe(false);
  });

  it('finds the sidecar of a slide URL', () => {
    expect(sidecarUrl('/demo/demo.tiff')).toBe('/demo/demo.geojson');
    expect(sidecarUrl('https://x.org/a/b.ome.tif?token=1')).toBe('https://x.org/a/b.geojson');
    expect(sidecarUrl('https://x.org/slide.svs#view')).toBe('https://x.org/slide.geojson');
    expect(sidecarUrl('https://x.org/slide')).toBeNull();
  });
});
