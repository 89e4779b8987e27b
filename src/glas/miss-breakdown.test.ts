import { describe, expect, it } from 'vitest';
import {
  glandInstances,
  type InstanceOptions,
  instancesBeforeMinArea,
  withoutSmallObjects,
} from './gland-instances';
import { paint } from './glas-test-shapes.fixture';
import { addMissCounts, imageMisses, missSummary } from './miss-breakdown';
import { imageObjectTotals } from './object-metrics';

// Six glands, one of each fate, in a 100×20 image (ground truth by label; the probability map is
// painted as the "model" saw them):
//   1 found: painted whole;  2 missed: painted over a third of it;
//   3 and 4 touch (columns 40-49 and 50-59), painted as one block: 3 is found (the block covers
//   it whole and overlaps it first), 4 merged into it;
//   5 is 3×3 px: painted whole, but under the min area;
//   6 painted in two halves with a background column between them: fragmented.
const W = 100;
const H = 20;
const truth = paint(W, H, [
  [1, { rect: [2, 2, 10, 10] }],
  [2, { rect: [16, 2, 12, 12] }],
  [3, { rect: [40, 2, 10, 12] }],
  [4, { rect: [50, 2, 10, 12] }],
  [5, { rect: [64, 2, 3, 3] }],
  [6, { rect: [72, 2, 20, 12] }],
]);
const painted = paint(W, H, [
  [1, { rect: [2, 2, 10, 10] }],
  [1, { rect: [16, 2, 4, 12] }],
  [1, { rect: [40, 2, 20, 12] }],
  [1, { rect: [64, 2, 3, 3] }],
  [1, { rect: [72, 2, 9, 12] }],
  [1, { rect: [83, 2, 9, 12] }],
]);
const probability = Float32Array.from(painted.data, (v) => (v ? 0.9 : 0.1));
const options: InstanceOptions = { threshold: 0.5, seedRadius: 0, minArea: 20 };

describe('imageMisses', () => {
  const before = instancesBeforeMinArea(probability, W, H, options);
  const S = withoutSmallObjects(before.objects, options.minArea);
  const m = imageMisses(S, truth, before);

  it('cuts the same segmentation as glandInstances, and leaves the unfiltered objects whole', () => {
    expect(S).toEqual(glandInstances(probability, W, H, options));
    expect(new Set(before.objects.data).size).toBe(7); // background and six objects, the speck kept
  });

  it('puts every false negative in one class', () => {
    expect(m.glands).toBe(6);
    expect(m.tp).toBe(2); // glands 1 and 3
    expect(m.misses.missed).toEqual([144]);
    expect(m.misses.merged).toEqual([120]);
    expect(m.misses.dropped).toEqual([9]);
    expect(m.misses.fragmented).toEqual([240]);
  });

  it('agrees with the object metrics on TP, FP and FN', () => {
    const t = imageObjectTotals(S, truth);
    const s = missSummary(m);
    expect([s.tp, s.fp, s.fn]).toEqual([t.tp, t.fp, t.fn]);
    expect(s.fp).toBe(3); // gland 2's third, and gland 6's two halves
  });

  it('counts a gland the min area did not drop as found', () => {
    const keep = { ...options, minArea: 1 };
    const k = imageMisses(glandInstances(probability, W, H, keep), truth, before);
    expect(k.tp).toBe(3);
    expect(k.misses.dropped).toEqual([]);
  });

  it('sums over images and gives medians', () => {
    const s = missSummary(addMissCounts(m, m));
    expect(s).toMatchObject({ glands: 12, tp: 4, fp: 6, fn: 8 });
    expect(s.missed).toEqual({ count: 2, medianArea: 144 });
    expect(missSummary(m).dropped).toEqual({ count: 1, medianArea: 9 });
  });
});
