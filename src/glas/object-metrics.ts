// The GlaS challenge's object-level metrics (Sirinukunwattana et al., "Gland segmentation in colon
// histology images: The GlaS challenge contest", Medical Image Analysis 35, 2017, §4.2), pooled over
// a set of images as the challenge scores a test part:
//
// - Detection F1. The ground truth of a segmented object S is the ground-truth object G* that
//   overlaps it most. S is a true positive when it covers more than 50 % of G* (|S ∩ G*| > ½|G*|),
//   else a false positive; every ground-truth object without such an S is a false negative. TP, FP
//   and FN are summed over all images, then F1 = 2TP / (2TP + FP + FN).
// - Object Dice: ½ [Σ_i γ_i Dice(G_i, S*(G_i)) + Σ_j σ_j Dice(G*(S_j), S_j)], where S*(G_i) is the
//   segmented object overlapping G_i most (none: Dice 0), γ_i = |G_i| / Σ|G| and σ_j = |S_j| / Σ|S|
//   over all objects of all images.
// - Object Hausdorff: the same with the Hausdorff distance (pixels); an object that overlaps
//   nothing is paired with the object of the other side nearest to it in Hausdorff distance.
//   Not covered by the paper: when the other side of that image has no object at all, the term is
//   the image diagonal (the official code returns infinity there, which no mean survives).
//
// Matching is within one image; "overlaps most" counts shared pixels, ties going to the lower label
// (as MATLAB's mode does). Objects are the non-zero labels of each image, taken as given (the
// ground truth's instance labels; a prediction's labels from gland-instances.ts).

import { squaredDistanceTransform } from './distance-transform';
import { type LabelImage, sameSize } from './label-image';

export interface ObjectInfo {
  label: number;
  area: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Every object of a label image, in raster order of its first pixel. */
export function objects(img: LabelImage): Map<number, ObjectInfo> {
  const m = new Map<number, ObjectInfo>();
  const { width: w, data } = img;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === 0) continue;
    const x = i % w;
    const y = (i - x) / w;
    const o = m.get(v);
    if (!o) m.set(v, { label: v, area: 1, x0: x, y0: y, x1: x, y1: y });
    else {
      o.area++;
      if (x < o.x0) o.x0 = x;
      if (x > o.x1) o.x1 = x;
      if (y < o.y0) o.y0 = y;
      if (y > o.y1) o.y1 = y;
    }
  }
  return m;
}

/** Hausdorff distance (px) between object a of image A and object b of image B (same size). */
export function objectHausdorffDistance(A: LabelImage, a: number, B: LabelImage, b: number): number {
  const oa = objects(A).get(a);
  const ob = objects(B).get(b);
  if (!oa || !ob) throw new Error('objectHausdorffDistance: label not present');
  return hausdorff(A, oa, B, ob);
}

/** Hausdorff distance (px) of object oa of A and ob of B; symmetric, exact (squared distances are integers). */
export function hausdorff(A: LabelImage, oa: ObjectInfo, B: LabelImage, ob: ObjectInfo): number {
  // Within the union box, the nearest pixel of either object lies inside the box: exact.
  const x0 = Math.min(oa.x0, ob.x0);
  const y0 = Math.min(oa.y0, ob.y0);
  const bw = Math.max(oa.x1, ob.x1) - x0 + 1;
  const bh = Math.max(oa.y1, ob.y1) - y0 + 1;
  const W = A.width;
  const at = (i: number) => (y0 + Math.floor(i / bw)) * W + x0 + (i % bw);
  const toB = squaredDistanceTransform(bw, bh, (i) => B.data[at(i)] === ob.label);
  const toA = squaredDistanceTransform(bw, bh, (i) => A.data[at(i)] === oa.label);
  let max = 0;
  for (let i = 0; i < bw * bh; i++) {
    const p = at(i);
    if (A.data[p] === oa.label && toB[i] > max) max = toB[i];
    if (B.data[p] === ob.label && toA[i] > max) max = toA[i];
  }
  return Math.sqrt(max);
}

/** Shared pixels per label pair: for each label of `from`, the labels of `to` it overlaps and how much. */
export function overlapCounts(from: LabelImage, to: LabelImage): Map<number, Map<number, number>> {
  const counts = new Map<number, Map<number, number>>();
  for (let i = 0; i < from.data.length; i++) {
    const f = from.data[i];
    const t = to.data[i];
    if (f === 0 || t === 0) continue;
    let row = counts.get(f);
    if (!row) {
      row = new Map();
      counts.set(f, row);
    }
    row.set(t, (row.get(t) ?? 0) + 1);
  }
  return counts;
}

/** Overlap counts: for each label of `from`, the label of `to` it shares most pixels with (0: none). */
export function bestMatches(
  from: LabelImage,
  to: LabelImage,
): Map<number, { label: number; overlap: number }> {
  const counts = overlapCounts(from, to);
  const best = new Map<number, { label: number; overlap: number }>();
  for (const [f, row] of counts) {
    let label = 0;
    let overlap = 0;
    for (const [t, n] of row) {
      if (n > overlap || (n === overlap && t < label)) {
        label = t;
        overlap = n;
      }
    }
    best.set(f, { label, overlap });
  }
  return best;
}

/**
 * The smallest Hausdorff distance from `a` to any of `others` (`distance(b)`), or `none` when there
 * are no others. Exact, but skips most distance computations: H(a, b) is at least the largest gap
 * between the boxes' matching sides (a's leftmost pixel is at least |a.x0 - b.x0| from every pixel
 * of b when b starts further right, and so on), so candidates are tried nearest bound first and the
 * search stops once the bound reaches the best distance found.
 */
export function nearestHausdorff(
  a: ObjectInfo,
  others: Iterable<ObjectInfo>,
  distance: (b: ObjectInfo) => number,
  none: number,
): number {
  const bound = (b: ObjectInfo) =>
    Math.max(Math.abs(a.x0 - b.x0), Math.abs(a.x1 - b.x1), Math.abs(a.y0 - b.y0), Math.abs(a.y1 - b.y1));
  const candidates = [...others].map((b) => ({ b, lb: bound(b) })).sort((p, q) => p.lb - q.lb);
  let best = Number.POSITIVE_INFINITY;
  for (const { b, lb } of candidates) {
    if (lb >= best) break;
    best = Math.min(best, distance(b));
  }
  return Number.isFinite(best) ? best : none;
}

/** Sums over images; `objectMetrics` turns them into the challenge's three numbers. */
export interface ObjectTotals {
  tp: number;
  fp: number;
  fn: number;
  /** Σ |G_i| Dice(G_i, S*(G_i)) and Σ |G_i| */
  diceG: number;
  areaG: number;
  /** Σ |S_j| Dice(G*(S_j), S_j) and Σ |S_j| */
  diceS: number;
  areaS: number;
  hausG: number;
  hausS: number;
  images: number;
}

export function emptyTotals(): ObjectTotals {
  return { tp: 0, fp: 0, fn: 0, diceG: 0, areaG: 0, diceS: 0, areaS: 0, hausG: 0, hausS: 0, images: 0 };
}

/** Per-image contribution of segmentation `S` against ground truth `G` (both instance label images). */
export function imageObjectTotals(S: LabelImage, G: LabelImage): ObjectTotals {
  sameSize(S, G, 'object metrics');
  const t = emptyTotals();
  t.images = 1;
  const so = objects(S);
  const go = objects(G);
  const sBest = bestMatches(S, G);
  const gBest = bestMatches(G, S);
  const diagonal = Math.hypot(S.width, S.height);

  // detection: S is TP when it covers > 50 % of its ground truth (at most one S can per G)
  for (const s of so.values()) {
    const m = sBest.get(s.label);
    const g = m ? go.get(m.label) : undefined;
    if (m && g && m.overlap > 0.5 * g.area) t.tp++;
    else t.fp++;
  }
  t.fn = go.size - t.tp;

  for (const g of go.values()) {
    t.areaG += g.area;
    const m = gBest.get(g.label);
    const s = m ? so.get(m.label) : undefined;
    if (m && s) {
      t.diceG += g.area * ((2 * m.overlap) / (g.area + s.area));
      t.hausG += g.area * hausdorff(G, g, S, s);
    } else {
      t.hausG += g.area * nearestHausdorff(g, so.values(), (s) => hausdorff(G, g, S, s), diagonal);
    }
  }
  for (const s of so.values()) {
    t.areaS += s.area;
    const m = sBest.get(s.label);
    const g = m ? go.get(m.label) : undefined;
    if (m && g) {
      t.diceS += s.area * ((2 * m.overlap) / (g.area + s.area));
      t.hausS += s.area * hausdorff(S, s, G, g);
    } else {
      t.hausS += s.area * nearestHausdorff(s, go.values(), (g) => hausdorff(S, s, G, g), diagonal);
    }
  }
  return t;
}

export function addTotals(a: ObjectTotals, b: ObjectTotals): ObjectTotals {
  return {
    tp: a.tp + b.tp,
    fp: a.fp + b.fp,
    fn: a.fn + b.fn,
    diceG: a.diceG + b.diceG,
    areaG: a.areaG + b.areaG,
    diceS: a.diceS + b.diceS,
    areaS: a.areaS + b.areaS,
    hausG: a.hausG + b.hausG,
    hausS: a.hausS + b.hausS,
    images: a.images + b.images,
  };
}

export interface ObjectMetrics {
  f1: number;
  precision: number;
  recall: number;
  objDice: number;
  objHausdorff: number;
  tp: number;
  fp: number;
  fn: number;
}

export function objectMetrics(t: ObjectTotals): ObjectMetrics {
  const detections = t.tp + t.fp;
  const truths = t.tp + t.fn;
  // nothing to find and nothing found: perfect, as the official code scores an empty pair
  const f1 = detections + truths === 0 ? 1 : (2 * t.tp) / (detections + truths);
  const side = (num: number, area: number, empty: number) => (area > 0 ? num / area : empty);
  const bothEmpty = t.areaG === 0 && t.areaS === 0;
  return {
    f1,
    precision: detections ? t.tp / detections : 1,
    recall: truths ? t.tp / truths : 1,
    objDice: bothEmpty ? 1 : 0.5 * (side(t.diceG, t.areaG, 0) + side(t.diceS, t.areaS, 0)),
    objHausdorff: bothEmpty ? 0 : 0.5 * (side(t.hausG, t.areaG, 0) + side(t.hausS, t.areaS, 0)),
    tp: t.tp,
    fp: t.fp,
    fn: t.fn,
  };
}

/** The three metrics of one segmentation/ground-truth list, pooled (the challenge's way). */
export function pooledObjectMetrics(
  pairs: Iterable<{ segmentation: LabelImage; truth: LabelImage }>,
): ObjectMetrics {
  let t = emptyTotals();
  for (const p of pairs) t = addTotals(t, imageObjectTotals(p.segmentation, p.truth));
  return objectMetrics(t);
}
