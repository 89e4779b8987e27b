import { describe, expect, it } from 'vitest';
import { glandBorders } from './gland-borders';
import { glandInstances, type InstanceOptions } from './gland-instances';
import { probabilityScene } from './glas-probability-scene.fixture';
import { paint } from './glas-test-shapes.fixture';
import { BORDER_SWEEP_GRID, SWEEP_GRID, sweepObjectTotals } from './instance-sweep';
import { labelImage } from './label-image';
import { imageObjectTotals } from './object-metrics';

function direct(
  p: ArrayLike<number>,
  w: number,
  h: number,
  truth: ReturnType<typeof labelImage>,
  grid: readonly InstanceOptions[],
  border?: ArrayLike<number>,
) {
  return grid.map((o) => imageObjectTotals(glandInstances(p, w, h, o, border), truth));
}

// settings that make the hand-made scenes below differ: small min areas, seed radii around their
// necks, the lumen filled or not
const SMALL_GRID: InstanceOptions[] = [0.3, 0.5, 0.8].flatMap((threshold) =>
  [0, 2, 3, 5].flatMap((seedRadius) =>
    [false, true].flatMap((fillHoles) =>
      [1, 10, 40, 400].map((minArea) => ({ threshold, seedRadius, minArea, fillHoles })),
    ),
  ),
);

describe('sweepObjectTotals', () => {
  // two touching glands (3 px neck), a speck, a gland the prediction misses, a false gland; the
  // first gland's prediction leaves out its lumen
  const truth = paint(70, 40, [
    [1, { disc: [15, 15, 10] }],
    [2, { disc: [42, 15, 10] }],
    [3, { rect: [5, 30, 12, 8] }],
  ]);
  const predicted = paint(70, 40, [
    [1, { disc: [15, 16, 10] }],
    [1, { disc: [41, 15, 9] }],
    [1, { rect: [24, 14, 10, 3] }],
    [1, { rect: [55, 2, 2, 1] }],
    [1, { disc: [60, 30, 6] }],
    [0, { disc: [15, 16, 4] }],
  ]);
  const prob = Float32Array.from(predicted.data, (v, i) =>
    v ? 0.6 + 0.3 * ((i % 7) / 7) : 0.1 + 0.3 * ((i % 5) / 5),
  );

  it('equals the per-setting path on a hand-made scene (split, merged, speck, missed, false)', () => {
    const fast = sweepObjectTotals(prob, 70, 40, truth, SMALL_GRID);
    expect(fast).toEqual(direct(prob, 70, 40, truth, SMALL_GRID));
    // the grid does reach different segmentations, and filling the lumen changes the scores
    expect(new Set(fast.map((t) => `${t.tp}/${t.fp}/${t.fn}`)).size).toBeGreaterThan(3);
    const twin = (k: number) =>
      SMALL_GRID.findIndex(
        (p) =>
          !p.fillHoles &&
          p.threshold === SMALL_GRID[k].threshold &&
          p.seedRadius === SMALL_GRID[k].seedRadius &&
          p.minArea === SMALL_GRID[k].minArea,
      );
    expect(SMALL_GRID.some((o, k) => o.fillHoles && fast[k].diceS !== fast[twin(k)].diceS)).toBe(true);
  });

  it('equals it with no truth objects and with nothing predicted', () => {
    const empty = labelImage(70, 40);
    expect(sweepObjectTotals(prob, 70, 40, empty, SMALL_GRID)).toEqual(
      direct(prob, 70, 40, empty, SMALL_GRID),
    );
    const none = new Float32Array(70 * 40).fill(0.05);
    expect(sweepObjectTotals(none, 70, 40, truth, SMALL_GRID)).toEqual(
      direct(none, 70, 40, truth, SMALL_GRID),
    );
  });

  it('equals it bit for bit on random scenes over the eval grid', () => {
    for (const seed of [1, 2, 3]) {
      const s = probabilityScene(seed, 150, 100, 8);
      const fast = sweepObjectTotals(s.probability, s.width, s.height, s.truth, SWEEP_GRID);
      expect(fast).toEqual(direct(s.probability, s.width, s.height, s.truth, SWEEP_GRID));
      expect(new Set(fast.map((t) => t.hausS)).size).toBeGreaterThan(10);
    }
  });

  it('equals it with a border channel over the border grid', () => {
    for (const seed of [5, 6]) {
      const s = probabilityScene(seed, 150, 100, 8);
      // a border map as a model draws one: high on the true outlines (and between touching
      // glands), with a ramp of values across the grid's border thresholds elsewhere
      const outline = glandBorders(s.truth, 1);
      const border = Float32Array.from(outline, (v, i) => (v ? 0.9 : 0.7 * ((i % 11) / 11)));
      const fast = sweepObjectTotals(s.probability, s.width, s.height, s.truth, BORDER_SWEEP_GRID, border);
      expect(fast).toEqual(direct(s.probability, s.width, s.height, s.truth, BORDER_SWEEP_GRID, border));
      // the border settings do cut differently from plain threshold + components
      const key = (k: number) => JSON.stringify(fast[k]);
      const differs = BORDER_SWEEP_GRID.some(
        (o, k) =>
          o.borderThreshold !== undefined &&
          key(k) !==
            key(
              BORDER_SWEEP_GRID.findIndex(
                (p) =>
                  p.borderThreshold === undefined &&
                  p.seedRadius === 0 &&
                  p.threshold === o.threshold &&
                  p.minArea === o.minArea,
              ),
            ),
      );
      expect(differs).toBe(true);
      expect(new Set(fast.map((t) => `${t.tp}/${t.fp}/${t.fn}/${t.hausS}`)).size).toBeGreaterThan(5);
    }
  });

  it('keeps the grid order for a grid in any order', () => {
    const s = probabilityScene(4, 120, 80, 6);
    const shuffled = [...SWEEP_GRID].reverse().filter((_, i) => i % 2 === 0);
    expect(sweepObjectTotals(s.probability, s.width, s.height, s.truth, shuffled)).toEqual(
      direct(s.probability, s.width, s.height, s.truth, shuffled),
    );
  });

  it('refuses a truth of another size', () => {
    expect(() => sweepObjectTotals(prob, 70, 40, labelImage(10, 10), SMALL_GRID)).toThrow(/truth is 10×10/);
  });
});
