// Checks the GlaS metric code against an independent Python reference (scikit-image's Hausdorff
// distance and labelling, shapely's Hausdorff distance, numpy matching; training/glas_metrics_reference.py)
// on hand-made masks: split, merged, unmatched and missing objects, and random scenes.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Prng } from '../util/prng';
import { connectedComponents } from './connected-components';
import { paint, type Shape } from './glas-test-shapes.fixture';
import type { LabelImage } from './label-image';
import { pooledObjectMetrics } from './object-metrics';

const python = spawnSync('python3', ['-c', 'import skimage, shapely, numpy'], { encoding: 'utf8' });
const haveReference = python.status === 0;

function reference(images: Array<{ S: LabelImage; G: LabelImage }>, binary: LabelImage[] = []) {
  const req = {
    images: images.map(({ S, G }) => ({ width: S.width, height: S.height, S: [...S.data], G: [...G.data] })),
    binary: binary.map((b) => ({ width: b.width, height: b.height, mask: [...b.data] })),
  };
  const r = spawnSync('python3', ['training/glas_metrics_reference.py'], {
    input: JSON.stringify(req),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as {
    f1: number;
    objDice: number;
    objHausdorff: number;
    tp: number;
    fp: number;
    fn: number;
    components: number[][];
  };
}

function randomScene(rng: Prng, w: number, h: number, n: number): Array<[number, Shape]> {
  const shapes: Array<[number, Shape]> = [];
  for (let k = 1; k <= n; k++) {
    shapes.push(
      rng.next() < 0.5
        ? [k, { disc: [rng.int(0, w), rng.int(0, h), rng.int(2, 9)] }]
        : [k, { rect: [rng.int(0, w - 3), rng.int(0, h - 3), rng.int(2, 14), rng.int(2, 10)] }],
    );
  }
  return shapes;
}

/** A segmentation derived from a truth: shifted, some objects split, some dropped, extras added. */
function perturbed(rng: Prng, g: Array<[number, Shape]>, w: number, h: number): Array<[number, Shape]> {
  const out: Array<[number, Shape]> = [];
  let next = 1;
  for (const [, s] of g) {
    const r = rng.next();
    if (r < 0.15) continue; // missed gland
    const dx = rng.int(-2, 3);
    const dy = rng.int(-2, 3);
    if ('disc' in s)
      out.push([next++, { disc: [s.disc[0] + dx, s.disc[1] + dy, Math.max(1, s.disc[2] + rng.int(-2, 3))] }]);
    else if (r < 0.35 && s.rect[2] >= 4) {
      const cut = rng.int(1, s.rect[2]);
      out.push([next++, { rect: [s.rect[0], s.rect[1], cut, s.rect[3]] }]); // split gland
      out.push([next++, { rect: [s.rect[0] + cut, s.rect[1], s.rect[2] - cut, s.rect[3]] }]);
    } else out.push([next++, { rect: [s.rect[0] + dx, s.rect[1] + dy, s.rect[2], s.rect[3]] }]);
  }
  if (rng.next() < 0.5) out.push([next++, { disc: [rng.int(0, w), rng.int(0, h), rng.int(2, 5)] }]); // false positive
  return out;
}

describe.skipIf(!haveReference)('GlaS object metrics against the Python reference', () => {
  it('agrees on hand-made split, merged, unmatched and empty cases', () => {
    const G1 = paint(30, 24, [
      [1, { rect: [2, 2, 10, 10] }],
      [2, { rect: [12, 2, 6, 10] }], // touches gland 1
      [3, { disc: [24, 18, 4] }],
    ]);
    const merged = paint(30, 24, [[1, { rect: [2, 2, 16, 10] }]]);
    const split = paint(30, 24, [
      [4, { rect: [2, 2, 7, 10] }],
      [5, { rect: [9, 2, 3, 10] }],
      [6, { disc: [24, 18, 4] }],
      [9, { rect: [0, 20, 3, 3] }],
    ]);
    const empty = paint(30, 24, []);
    const cases = [
      { S: merged, G: G1 },
      { S: split, G: G1 },
      { S: empty, G: G1 },
      { S: split, G: empty },
    ];
    const ts = pooledObjectMetrics(cases.map(({ S, G }) => ({ segmentation: S, truth: G })));
    const py = reference(cases);
    expect(ts.tp).toBe(py.tp);
    expect(ts.fp).toBe(py.fp);
    expect(ts.fn).toBe(py.fn);
    expect(ts.f1).toBeCloseTo(py.f1, 12);
    expect(ts.objDice).toBeCloseTo(py.objDice, 12);
    expect(ts.objHausdorff).toBeCloseTo(py.objHausdorff, 9);
  });

  it('agrees on 40 random scenes, pooled, and on connected components', () => {
    const rng = new Prng(13);
    const w = 48;
    const h = 36;
    const images: Array<{ S: LabelImage; G: LabelImage }> = [];
    for (let k = 0; k < 40; k++) {
      const gShapes = randomScene(rng, w, h, rng.int(1, 7));
      images.push({ G: paint(w, h, gShapes), S: paint(w, h, perturbed(rng, gShapes, w, h)) });
    }
    const ts = pooledObjectMetrics(images.map(({ S, G }) => ({ segmentation: S, truth: G })));
    const py = reference(
      images,
      images.slice(0, 10).map((i) => i.S),
    );
    expect(ts.fp + ts.fn).toBeGreaterThan(5); // the scenes do exercise errors
    expect([ts.tp, ts.fp, ts.fn]).toEqual([py.tp, py.fp, py.fn]);
    expect(ts.f1).toBeCloseTo(py.f1, 12);
    expect(ts.objDice).toBeCloseTo(py.objDice, 12);
    expect(ts.objHausdorff).toBeCloseTo(py.objHausdorff, 9);
    images.slice(0, 10).forEach(({ S }, k) => {
      // same partition (scikit-image numbers components in raster order too)
      expect([...connectedComponents(S).labels.data]).toEqual(py.components[k]);
    });
  });
});
