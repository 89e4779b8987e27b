// Gland instances from a gland probability map. Threshold + connected components alone merges
// glands that touch, which the object metrics punish (one segmented object covering two glands
// covers > 50 % of at most one of them). So this is a marker-based split, the distance-transform
// watershed in its simplest form:
//   1. foreground = probability > threshold; with `fillHoles`, every background region the
//      foreground encloses (a gland's lumen, which the model may leave out) joins it, since a
//      ground-truth gland includes its lumen and a hole can leave a gland's object under half of it;
//   2. markers = 8-connected components of the foreground pixels farther than `seedRadius` px
//      from the background (the eroded foreground: a thin neck between two glands vanishes);
//      markers under `minMarkerArea` px are dropped (a sliver cut off by the border channel would
//      otherwise grow into an object of its own, a fragment);
//   3. every foreground pixel joins the marker it reaches first by a breadth-first walk through
//      the foreground (8-neighbours), i.e. the markers grow back, each inside its own gland;
//   4. foreground components that held no marker (smaller than the erosion) stay whole;
//   5. objects under `minArea` px are dropped (specks), labels renumbered 1..n.
// seedRadius 0 gives plain threshold + connected components. The defaults are chosen on the
// validation split (see models/README.md).
// A model with a "border" channel (gland outlines, extract-glas.ts --border-px) gives better
// markers: with `borderThreshold` set, a marker pixel must also have border probability at most
// that, so glands that touch (no background between them, nothing for the erosion to cut) split
// along the outline the model drew. The markers then grow back over the border band as above.

import { connectedComponents, neighbours8, relabelSequential } from './connected-components';
import { squaredDistanceTransform } from './distance-transform';
import { binaryImage, type LabelImage, labelImage } from './label-image';

export interface InstanceOptions {
  threshold: number;
  /** px of the probability map */
  seedRadius: number;
  /** px of the probability map */
  minArea: number;
  /** markers only where the border channel is at most this (needs the border map); absent: unused */
  borderThreshold?: number;
  /** fill the foreground's holes before the markers (step 1); absent: false */
  fillHoles?: boolean;
  /** px of the probability map: markers smaller than this are dropped before they grow; absent: 0 */
  minMarkerArea?: number;
}

export const DEFAULT_INSTANCE_OPTIONS: InstanceOptions = { threshold: 0.5, seedRadius: 6, minArea: 80 };

export function glandInstances(
  probability: ArrayLike<number>,
  width: number,
  height: number,
  options: Partial<InstanceOptions> = {},
  border?: ArrayLike<number>,
): LabelImage {
  const o = { ...DEFAULT_INSTANCE_OPTIONS, ...options };
  return dropSmall(instancesBeforeMinArea(probability, width, height, o, border).objects, o.minArea);
}

/** Steps 1–4's result: the foreground and every object of it, before the min-area filter. */
export interface UnfilteredInstances {
  foreground: LabelImage;
  objects: LabelImage;
}

/**
 * Step 5 on its own: `objects` without those under `minArea` px, relabelled 1..n (a new image;
 * `glandInstances` is `withoutSmallObjects(instancesBeforeMinArea(...).objects, minArea)`).
 */
export function withoutSmallObjects(objects: LabelImage, minArea: number): LabelImage {
  return dropSmall({ ...objects, data: objects.data.slice() }, minArea);
}

/** Steps 1–4: the foreground and every object of it, before the min-area filter (step 5). */
export function instancesBeforeMinArea(
  probability: ArrayLike<number>,
  width: number,
  height: number,
  o: InstanceOptions,
  border?: ArrayLike<number>,
): UnfilteredInstances {
  if (probability.length !== width * height) throw new Error('glandInstances: probability size mismatch');
  const fg = foreground(probability, width, height, o.threshold, o.fillHoles);
  const d2 = o.seedRadius > 0 ? backgroundDistance(fg) : undefined;
  const interior = borderInterior(border, width, height, o.borderThreshold);
  return { foreground: fg, objects: unfilteredInstances(fg, o.seedRadius, d2, interior, o.minMarkerArea) };
}

/**
 * 1 where the border channel is at most `borderThreshold` (where a marker may lie); undefined when
 * no threshold is set. A threshold without a border map is an error: the model has no such channel.
 */
export function borderInterior(
  border: ArrayLike<number> | undefined,
  width: number,
  height: number,
  borderThreshold: number | undefined,
): LabelImage | undefined {
  if (borderThreshold === undefined) return undefined;
  if (!border) throw new Error('glandInstances: borderThreshold is set but the model has no border channel');
  if (border.length !== width * height) throw new Error('glandInstances: border map size mismatch');
  return binaryImage(width, height, (i) => border[i] <= borderThreshold);
}

/** Step 1: 1 where the probability exceeds the threshold (and, with `fill`, inside its holes). */
export function foreground(
  probability: ArrayLike<number>,
  width: number,
  height: number,
  threshold: number,
  fill = false,
): LabelImage {
  const fg = binaryImage(width, height, (i) => probability[i] > threshold);
  return fill ? fillHoles(fg) : fg;
}

/**
 * `fg` with every background pixel that the image's edge cannot reach through background set to 1.
 * The background walks 4-connected, the dual of the foreground's 8-connected objects: a diagonal
 * gap between two foreground pixels does not open a hole.
 */
export function fillHoles(fg: LabelImage): LabelImage {
  const { width: w, height: h } = fg;
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const visit = (p: number) => {
    if (fg.data[p] === 0 && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < w; x++) {
    visit(x);
    visit((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    visit(y * w);
    visit(y * w + w - 1);
  }
  while (stack.length) {
    const p = stack.pop() as number;
    const x = p % w;
    if (x > 0) visit(p - 1);
    if (x < w - 1) visit(p + 1);
    if (p >= w) visit(p - w);
    if (p < w * (h - 1)) visit(p + w);
  }
  return binaryImage(w, h, (i) => fg.data[i] !== 0 || !outside[i]);
}

/** Squared distance of every pixel to the background of `fg` (what the markers are cut from). */
export function backgroundDistance(fg: LabelImage): Float64Array {
  return squaredDistanceTransform(fg.width, fg.height, (i) => fg.data[i] === 0);
}

/**
 * Steps 2–4: every object of the foreground, none dropped, labelled 1..n in raster order of its
 * first pixel (so dropping objects later keeps the survivors' order). `d2` (backgroundDistance)
 * is needed when seedRadius > 0; the settings sweep computes it once per threshold. `interior`
 * (borderInterior) restricts the markers to pixels off the model's gland borders.
 */
export function unfilteredInstances(
  fg: LabelImage,
  seedRadius: number,
  d2?: Float64Array,
  interior?: LabelImage,
  minMarkerArea = 0,
): LabelImage {
  const { width, height } = fg;
  const out = labelImage(width, height);
  let next = 0;
  if (seedRadius > 0 || interior) {
    if (seedRadius > 0 && !d2)
      throw new Error('unfilteredInstances: seedRadius > 0 needs the background distance');
    const r2 = seedRadius * seedRadius;
    const seeds = connectedComponents(
      binaryImage(
        width,
        height,
        (i) =>
          fg.data[i] !== 0 && (seedRadius === 0 || (d2 as Float64Array)[i] > r2) && interior?.data[i] !== 0,
      ),
    );
    out.data.set((minMarkerArea > 0 ? dropSmall(seeds.labels, minMarkerArea) : seeds.labels).data);
    next = seeds.count; // marker labels stay at most this; the relabelling below closes any gaps
    growWithin(out, fg);
  }
  // whatever no marker reached: its own object per component
  const rest = connectedComponents(binaryImage(width, height, (i) => fg.data[i] !== 0 && out.data[i] === 0));
  for (let i = 0; i < out.data.length; i++) if (rest.labels.data[i]) out.data[i] = next + rest.labels.data[i];
  return relabelSequential(out).labels;
}

/** Multi-source breadth-first growth of the labels of `labels` into the non-zero pixels of `mask`. */
function growWithin(labels: LabelImage, mask: LabelImage): void {
  const { width: w, height: h } = labels;
  const L = labels.data;
  const near = new Int32Array(8);
  let queue: number[] = [];
  for (let i = 0; i < L.length; i++) if (L[i]) queue.push(i);
  while (queue.length) {
    const nextQueue: number[] = [];
    for (const p of queue) {
      const n = neighbours8(p, w, h, near);
      for (let k = 0; k < n; k++) {
        const q = near[k];
        if (mask.data[q] && !L[q]) {
          L[q] = L[p];
          nextQueue.push(q);
        }
      }
    }
    queue = nextQueue;
  }
}

// in place (img's data is overwritten before relabelling)
function dropSmall(img: LabelImage, minArea: number): LabelImage {
  const area = new Map<number, number>();
  for (const v of img.data) if (v) area.set(v, (area.get(v) ?? 0) + 1);
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i];
    if (v && (area.get(v) ?? 0) < minArea) img.data[i] = 0;
  }
  return relabelSequential(img).labels;
}
