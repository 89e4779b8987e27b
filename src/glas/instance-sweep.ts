// The validation sweep's object totals for a whole grid of instance settings at once, equal to
// `imageObjectTotals(glandInstances(p, w, h, o), truth)` for every setting `o` (the unit test
// compares the two on hand-made and random scenes), at a fraction of the cost. What the settings
// share is computed once:
//   - per border threshold: where markers may lie (off the model's gland borders);
//   - per threshold and fill-holes choice: the foreground and its distance transform;
//   - per (threshold, seed radius, border threshold, marker min area): the objects before the min-area filter,
//     their overlaps with the truth, each object's own terms (TP/FP, its Dice and Hausdorff against the gland it
//     overlaps most: none of these depends on the other objects) and every Hausdorff distance;
//   - per min area, last: only which objects survive, and each truth gland's best survivor.
// Sums run in the order the direct path adds them (objects in label order), so the totals are
// bit-identical, not just close.

import {
  backgroundDistance,
  borderInterior,
  foreground,
  type InstanceOptions,
  unfilteredInstances,
} from './gland-instances';
import { type LabelImage, sameSize } from './label-image';
import {
  bestMatches,
  emptyTotals,
  hausdorff,
  nearestHausdorff,
  type ObjectInfo,
  type ObjectTotals,
  objects,
  overlapCounts,
} from './object-metrics';

/**
 * Min areas (px of the image) the grids try. GlaS glands at 0.62 µm/px cover thousands of pixels
 * (median 12,600 benign and 20,500 malignant on the validation images), and most false positives
 * are specks and fragments: the grid reached 200 px until a validation analysis found F1 rising to
 * 4,000 px (1,540 µm², a disc of 44 µm) and falling past 6,000.
 */
export const SWEEP_MIN_AREAS = [20, 80, 200, 1000, 2000, 4000, 6000] as const;

/**
 * Marker min areas (px) the border grid tries: a border threshold cuts slivers off the foreground,
 * and each would grow into an object; dropping markers under 1,000 px first raised the shipped
 * MRN's best validation F1 from 0.548 to 0.571 in a scikit-image re-run of these steps.
 */
export const BORDER_MARKER_AREAS = [0, 1000] as const;

/** with and without the foreground's holes filled */
const FILL = [false, true] as const;

/**
 * The grid `eval:glas --sweep` scores: threshold × seed radius (px) × min area (px) × fill holes,
 * 210 settings.
 */
export const SWEEP_GRID: readonly InstanceOptions[] = [0.4, 0.5, 0.6].flatMap((threshold) =>
  [0, 3, 6, 9, 12].flatMap((seedRadius) =>
    FILL.flatMap((fillHoles) =>
      SWEEP_MIN_AREAS.map((minArea) => ({ threshold, seedRadius, minArea, fillHoles })),
    ),
  ),
);

/**
 * The grid for a model with a border channel: threshold × border threshold × marker min area ×
 * min area × fill holes, plus the seed radius 0, 6 and 12 without the border (so the border has to
 * beat the erosion to be chosen): 420 + 126 = 546 settings. The border thresholds reach down to 0.1: a
 * border channel trained without --border-weight stays low (its true borders' median was 0.11 on
 * validation).
 */
export const BORDER_SWEEP_GRID: readonly InstanceOptions[] = [0.4, 0.5, 0.6].flatMap((threshold) =>
  FILL.flatMap((fillHoles) => [
    ...[0.1, 0.2, 0.35, 0.5, 0.65].flatMap((borderThreshold) =>
      BORDER_MARKER_AREAS.flatMap((minMarkerArea) =>
        SWEEP_MIN_AREAS.map((minArea) => ({
          threshold,
          seedRadius: 0,
          minArea,
          borderThreshold,
          fillHoles,
          ...(minMarkerArea ? { minMarkerArea } : {}),
        })),
      ),
    ),
    ...[0, 6, 12].flatMap((seedRadius) =>
      SWEEP_MIN_AREAS.map((minArea) => ({ threshold, seedRadius, minArea, fillHoles })),
    ),
  ]),
);

export function sweepObjectTotals(
  probability: ArrayLike<number>,
  width: number,
  height: number,
  truth: LabelImage,
  grid: readonly InstanceOptions[],
  border?: ArrayLike<number>,
): ObjectTotals[] {
  if (probability.length !== width * height) throw new Error('sweepObjectTotals: probability size mismatch');
  if (truth.width !== width || truth.height !== height)
    throw new Error(`sweepObjectTotals: truth is ${truth.width}×${truth.height}, map ${width}×${height}`);
  const out: ObjectTotals[] = new Array(grid.length);
  const go = objects(truth);
  // the border map's interiors depend on the border threshold alone, not on the gland threshold
  const interiors = new Map(
    [...new Set(grid.map((o) => o.borderThreshold))].map((b) => [
      b,
      borderInterior(border, width, height, b),
    ]),
  );
  const foregroundKey = (o: InstanceOptions) => `${o.threshold}/${o.fillHoles === true}`;
  for (const fk of new Set(grid.map(foregroundKey))) {
    const atThreshold = grid.map((o, k) => ({ o, k })).filter(({ o }) => foregroundKey(o) === fk);
    const { threshold, fillHoles } = atThreshold[0].o;
    const fg = foreground(probability, width, height, threshold, fillHoles);
    const d2 = atThreshold.some(({ o }) => o.seedRadius > 0) ? backgroundDistance(fg) : undefined;
    const markerKey = (o: InstanceOptions) =>
      `${o.seedRadius}/${o.borderThreshold ?? ''}/${o.minMarkerArea ?? 0}`;
    for (const key of new Set(atThreshold.map(({ o }) => markerKey(o)))) {
      const settings = atThreshold.filter(({ o }) => markerKey(o) === key);
      const { seedRadius, borderThreshold, minMarkerArea } = settings[0].o;
      const U = unfilteredInstances(
        fg,
        seedRadius,
        seedRadius > 0 ? d2 : undefined,
        interiors.get(borderThreshold),
        minMarkerArea,
      );
      const totals = minAreaTotals(
        U,
        truth,
        go,
        settings.map(({ o }) => o.minArea),
      );
      settings.forEach(({ k }, j) => {
        out[k] = totals[j];
      });
    }
  }
  return out;
}

/**
 * imageObjectTotals of U with its objects under each min area dropped (U labelled 1..n in raster
 * order of first pixel, as unfilteredInstances gives it, so survivors keep their relative order and
 * the direct path's "ties go to the lower label").
 */
function minAreaTotals(
  U: LabelImage,
  G: LabelImage,
  go: Map<number, ObjectInfo>,
  minAreas: readonly number[],
): ObjectTotals[] {
  sameSize(U, G, 'object metrics');
  const uo = [...objects(U).values()].sort((a, b) => a.label - b.label);
  const uBest = bestMatches(U, G);
  const diagonal = Math.hypot(U.width, U.height);
  const distances = new Map<number, number>();
  const stride = uo.length + 1;
  const H = (g: ObjectInfo, u: ObjectInfo) => {
    const key = g.label * stride + u.label;
    let d = distances.get(key);
    if (d === undefined) {
      d = hausdorff(G, g, U, u);
      distances.set(key, d);
    }
    return d;
  };

  // each object's own terms: they depend on the truth only
  const own = uo.map((u) => {
    const m = uBest.get(u.label);
    const g = m ? go.get(m.label) : undefined;
    if (m && g) {
      return {
        tp: m.overlap > 0.5 * g.area,
        dice: u.area * ((2 * m.overlap) / (g.area + u.area)),
        haus: u.area * H(g, u),
      };
    }
    return { tp: false, dice: 0, haus: u.area * nearestHausdorff(u, go.values(), (g) => H(g, u), diagonal) };
  });

  // per truth gland: the objects it overlaps, most shared pixels first (ties: lower label)
  const overlaps = overlapCounts(G, U);
  const ranked = new Map<number, { label: number; overlap: number }[]>();
  for (const [g, row] of overlaps) {
    ranked.set(
      g,
      [...row]
        .map(([label, overlap]) => ({ label, overlap }))
        .sort((a, b) => b.overlap - a.overlap || a.label - b.label),
    );
  }

  return minAreas.map((minArea) => {
    const t = emptyTotals();
    t.images = 1;
    const keep = (u: ObjectInfo) => u.area >= minArea;
    const survivors = uo.filter(keep);
    for (let j = 0; j < uo.length; j++) {
      if (!keep(uo[j])) continue;
      if (own[j].tp) t.tp++;
      else t.fp++;
    }
    t.fn = go.size - t.tp;
    for (const g of go.values()) {
      t.areaG += g.area;
      const m = ranked.get(g.label)?.find((c) => keep(uo[c.label - 1]));
      if (m) {
        const s = uo[m.label - 1];
        t.diceG += g.area * ((2 * m.overlap) / (g.area + s.area));
        t.hausG += g.area * H(g, s);
      } else {
        t.hausG += g.area * nearestHausdorff(g, survivors, (s) => H(g, s), diagonal);
      }
    }
    for (let j = 0; j < uo.length; j++) {
      const u = uo[j];
      if (!keep(u)) continue;
      t.areaS += u.area;
      t.diceS += own[j].dice;
      t.hausS += own[j].haus;
    }
    return t;
  });
}
