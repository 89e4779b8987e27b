// Why each ground-truth gland that no segmented object detected was missed: the question behind a
// low detection F1 (is it the model's gland channel, or the instance step?). Every false negative
// of object-metrics.ts's matching falls in exactly one class, tried in this order:
//   missed      the foreground (probability > threshold, holes filled when the settings fill them)
//               covers at most half of the gland: the gland channel did not see it;
//   merged      the unfiltered object that overlaps it most belongs to another gland (it overlaps
//               that one more): two glands ran together;
//   dropped     that object covers more than half of it but was removed as a speck (min area);
//   fragmented  it is covered, but by several objects, none over half.
// "Unfiltered" objects are gland-instances.ts's before the min-area filter, so `dropped` is the
// filter's own cost. Totals are per image grade, as the malignant glands are where F1 is lost.

import type { UnfilteredInstances } from './gland-instances';
import type { LabelImage } from './label-image';
import { bestMatches, objects } from './object-metrics';

export const MISS_CLASSES = ['missed', 'merged', 'dropped', 'fragmented'] as const;
export type MissClass = (typeof MISS_CLASSES)[number];

export interface MissCounts {
  glands: number;
  tp: number;
  fp: number;
  /** false negatives per class, each with the areas (px) of its glands */
  misses: Record<MissClass, number[]>;
}

export function emptyMissCounts(): MissCounts {
  return { glands: 0, tp: 0, fp: 0, misses: { missed: [], merged: [], dropped: [], fragmented: [] } };
}

/**
 * One image's detections and false negatives by class. `S` is the segmentation scored, `G` the
 * ground truth, and `before` what `S` was cut from: instancesBeforeMinArea with the same settings
 * (S = withoutSmallObjects(before.objects, minArea)), so the caller computes it once for both.
 */
export function imageMisses(S: LabelImage, G: LabelImage, before: UnfilteredInstances): MissCounts {
  const out = emptyMissCounts();
  const go = objects(G);
  out.glands = go.size;
  const sBest = bestMatches(S, G);
  const segmented = objects(S);
  const detected = new Set<number>();
  for (const m of sBest.values()) {
    const g = go.get(m.label);
    if (g && m.overlap > 0.5 * g.area) detected.add(g.label);
  }
  out.tp = detected.size;
  out.fp = segmented.size - out.tp;
  if (detected.size === go.size) return out;

  const { foreground: fg, objects: S0 } = before;
  const covered = new Map<number, number>();
  for (let i = 0; i < G.data.length; i++) {
    const g = G.data[i];
    if (g && fg.data[i]) covered.set(g, (covered.get(g) ?? 0) + 1);
  }
  const gBest0 = bestMatches(G, S0);
  const s0Best = bestMatches(S0, G);
  for (const g of go.values()) {
    if (detected.has(g.label)) continue;
    const m = gBest0.get(g.label);
    let kind: MissClass;
    if ((covered.get(g.label) ?? 0) <= 0.5 * g.area || !m) kind = 'missed';
    else if (s0Best.get(m.label)?.label !== g.label) kind = 'merged';
    else if (m.overlap > 0.5 * g.area) kind = 'dropped';
    else kind = 'fragmented';
    out.misses[kind].push(g.area);
  }
  return out;
}

export function addMissCounts(a: MissCounts, b: MissCounts): MissCounts {
  const misses = emptyMissCounts().misses;
  for (const k of MISS_CLASSES) misses[k] = [...a.misses[k], ...b.misses[k]];
  return { glands: a.glands + b.glands, tp: a.tp + b.tp, fp: a.fp + b.fp, misses };
}

/** The JSON form: counts per class with the median area (px) of each class's glands. */
export function missSummary(c: MissCounts) {
  const median = (xs: number[]) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((p, q) => p - q);
    const h = s.length >> 1;
    return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  };
  return {
    glands: c.glands,
    tp: c.tp,
    fp: c.fp,
    fn: MISS_CLASSES.reduce((n, k) => n + c.misses[k].length, 0),
    ...Object.fromEntries(
      MISS_CLASSES.map((k) => [k, { count: c.misses[k].length, medianArea: median(c.misses[k]) }]),
    ),
  } as { glands: number; tp: number; fp: number; fn: number } & Record<
    MissClass,
    { count: number; medianArea: number | null }
  >;
}
