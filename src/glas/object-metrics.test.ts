import { describe, expect, it } from 'vitest';
import { paint } from './glas-test-shapes.fixture';
import {
  imageObjectTotals,
  objectHausdorffDistance,
  objectMetrics,
  pooledObjectMetrics,
} from './object-metrics';

describe('GlaS object metrics', () => {
  it('scores a perfect segmentation 1 / 1 / 0', () => {
    const g = paint(30, 20, [
      [1, { rect: [2, 2, 8, 8] }],
      [2, { disc: [20, 10, 5] }],
    ]);
    // labels need not agree, only the objects
    const s = paint(30, 20, [
      [7, { rect: [2, 2, 8, 8] }],
      [3, { disc: [20, 10, 5] }],
    ]);
    expect(pooledObjectMetrics([{ segmentation: s, truth: g }])).toMatchObject({
      f1: 1,
      objDice: 1,
      objHausdorff: 0,
      tp: 2,
      fp: 0,
      fn: 0,
    });
  });

  it('counts the larger part of a split gland, the smaller as a false positive (hand-computed)', () => {
    const g = paint(20, 20, [[1, { rect: [5, 5, 10, 10] }]]);
    const s = paint(20, 20, [
      [1, { rect: [5, 5, 6, 10] }],
      [2, { rect: [11, 5, 4, 10] }],
    ]);
    const m = objectMetrics(imageObjectTotals(s, g));
    expect(m).toMatchObject({ tp: 1, fp: 1, fn: 0 });
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    // G side: Dice(G, S1) = 120/160; S side: 0.6·0.75 + 0.4·(80/140)
    expect(m.objDice).toBeCloseTo(0.5 * (0.75 + 0.6 * 0.75 + 0.4 * (80 / 140)), 12);
  });

  it('needs more than half of the gland covered, and a gland found by nothing is a false negative', () => {
    const g = paint(40, 20, [
      [1, { rect: [0, 0, 10, 10] }],
      [2, { rect: [30, 10, 5, 5] }],
    ]);
    const half = paint(40, 20, [[1, { rect: [0, 0, 5, 10] }]]); // exactly 50 %: not enough
    expect(objectMetrics(imageObjectTotals(half, g))).toMatchObject({ tp: 0, fp: 1, fn: 2, f1: 0 });
  });

  it('pairs an unmatched object with the nearest by Hausdorff distance', () => {
    const g = paint(40, 10, [[1, { rect: [0, 0, 1, 1] }]]);
    const s = paint(40, 10, [[1, { rect: [10, 0, 1, 1] }]]);
    expect(objectHausdorffDistance(g, 1, s, 1)).toBe(10);
    // both sides unmatched, each paired with the other: 10
    expect(pooledObjectMetrics([{ segmentation: s, truth: g }]).objHausdorff).toBe(10);
  });

  it('uses the image diagonal where one side of an image is empty, and pools over images by area', () => {
    const g = paint(30, 40, [[1, { rect: [0, 0, 2, 2] }]]);
    const empty = paint(30, 40, []);
    const m = pooledObjectMetrics([
      { segmentation: empty, truth: g },
      { segmentation: g, truth: g },
    ]);
    // G: two objects of area 4, one at distance 50 (the diagonal), one at 0; S: one at 0
    expect(m.objHausdorff).toBeCloseTo(0.5 * (25 + 0), 12);
    expect(m.objDice).toBeCloseTo(0.5 * (0.5 + 1), 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
  });
});
