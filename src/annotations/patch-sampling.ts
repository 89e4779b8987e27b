// Balanced choice of patch centres. A coarse category map of the slide (tissue as inference
// detects it, tumour from the annotations, look-alikes from a synthetic slide's sidecar) is
// sampled per category, with quotas, so that rare but telling places (tumour borders,
// look-alike interiors) are not drowned by plain tissue.

import type { Point } from '../geometry/patch-geometry';
import type { SlideSource } from '../slide/slide-types';
import { detectTissue, type TissueMask } from '../tissue/tissue-detection';
import { Prng } from '../util/prng';
import type { AnnotationRegion } from './annotation-types';
import { rasterise } from './rasterise';

export const CATEGORIES = [
  'tumour',
  'tumour-border',
  'lookalike-interior',
  'lookalike-rim',
  'normal',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Share of patches per category; shares of empty categories go to 'normal'. */
export const DEFAULT_QUOTAS: Record<Category, number> = {
  tumour: 0.25,
  'tumour-border': 0.15,
  'lookalike-interior': 0.2,
  'lookalike-rim': 0.1,
  normal: 0.3,
};

export interface Lookalike {
  cx: number;
  cy: number;
  /** inscribed radius of the outline, level-0 px */
  minRadius: number;
  maxRadius: number;
  rim: number;
}

export interface CategoryMap {
  width: number;
  height: number;
  /** level-0 px per cell */
  cell: number;
  /** index into CATEGORIES, or 255 for background */
  data: Uint8Array;
}

/**
 * Builds the category map on the tissue mask's grid. Tissue is the mask inference uses to skip
 * background (tissue/tissue-detection.ts), so training samples the tissue inference analyses.
 * `borderPx` (level-0) is how far from a tumour outline a place counts as border, on either side.
 */
export function categoryMap(
  tissueMask: TissueMask,
  regions: AnnotationRegion[],
  lookalikes: Lookalike[],
  borderPx: number,
): CategoryMap {
  const { width, height, downsample: cell } = tissueMask;
  const grid = { x: 0, y: 0, width, height, downsample: cell };
  const tumour = rasterise(regions, grid);
  const r = Math.max(1, Math.round(borderPx / cell));
  // cells with tumour within r cells, and cells with non-tumour within r cells (box neighbourhoods)
  const nearTumour = dilate(tumour, width, height, r);
  const inv = tumour.map((v) => 1 - v);
  const nearOther = dilate(inv, width, height, r);
  const data = new Uint8Array(width * height).fill(255);
  const index = (c: Category) => CATEGORIES.indexOf(c);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const k = j * width + i;
      const tissue = tissueMask.data[k] === 1;
      if (nearTumour[k] && nearOther[k]) data[k] = index('tumour-border');
      else if (tumour[k]) data[k] = index('tumour');
      else if (tissue) data[k] = index('normal');
    }
  }
  for (const l of lookalikes) {
    const i0 = Math.max(0, Math.floor((l.cx - l.maxRadius - l.rim) / cell));
    const i1 = Math.min(width - 1, Math.ceil((l.cx + l.maxRadius + l.rim) / cell));
    const j0 = Math.max(0, Math.floor((l.cy - l.maxRadius - l.rim) / cell));
    const j1 = Math.min(height - 1, Math.ceil((l.cy + l.maxRadius + l.rim) / cell));
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const d = Math.hypot((i + 0.5) * cell - l.cx, (j + 0.5) * cell - l.cy);
        const k = j * width + i;
        // interior: the target field (borderPx = its half-width) stays inside the outline
        if (d < Math.max(l.minRadius - borderPx, 0.3 * l.minRadius)) data[k] = index('lookalike-interior');
        else if (d < l.maxRadius + l.rim) data[k] = index('lookalike-rim');
      }
    }
  }
  return { width, height, cell, data };
}

function dilate(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const rows = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let v = 0;
      for (let d = -r; d <= r && !v; d++) {
        const x = i + d;
        if (x >= 0 && x < w) v = m[j * w + x];
      }
      rows[j * w + i] = v;
    }
  }
  const out = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let v = 0;
      for (let d = -r; d <= r && !v; d++) {
        const y = j + d;
        if (y >= 0 && y < h) v = rows[y * w + i];
      }
      out[j * w + i] = v;
    }
  }
  return out;
}

export interface SampledCentre {
  center: Point;
  category: Category;
}

/** Draws `count` centres by quota; deterministic for a seed. */
export function sampleCentres(
  map: CategoryMap,
  count: number,
  seed: number,
  quotas: Record<Category, number> = DEFAULT_QUOTAS,
): SampledCentre[] {
  const rng = new Prng(seed);
  const cells: number[][] = CATEGORIES.map(() => []);
  for (let k = 0; k < map.data.length; k++) if (map.data[k] !== 255) cells[map.data[k]].push(k);
  if (cells.every((c) => c.length === 0))
    throw new Error('no tissue found on the slide to sample patches from');
  const present = CATEGORIES.filter((_, c) => cells[c].length > 0);
  const share = new Map<Category, number>(present.map((c) => [c, quotas[c]]));
  const missing = CATEGORIES.filter((c) => !present.includes(c)).reduce((a, c) => a + quotas[c], 0);
  const sink: Category = present.includes('normal') ? 'normal' : present[0];
  share.set(sink, (share.get(sink) ?? 0) + missing);
  const out: SampledCentre[] = [];
  let made = 0;
  present.forEach((category, n) => {
    const quota =
      n === present.length - 1 ? Math.max(0, count - made) : Math.round(count * (share.get(category) ?? 0));
    const list = cells[CATEGORIES.indexOf(category)];
    for (let q = 0; q < quota; q++) {
      const k = list[rng.int(0, list.length)];
      const i = k % map.width;
      const j = (k - i) / map.width;
      out.push({ center: { x: (i + rng.next()) * map.cell, y: (j + rng.next()) * map.cell }, category });
    }
    made += quota;
  });
  // shuffle, so that a shard is not sorted by category
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Replaces about `fraction` of the centres (chosen by `seed`) with `align(center)`: e.g. the
 * pixel-aligned centres inference uses (patch-geometry's pixelAlignedCenter), mixed with the
 * sampler's sub-pixel ones, so a model sees both resampling phases.
 */
export function alignSomeCentres(
  centres: SampledCentre[],
  fraction: number,
  align: (center: Point) => Point,
  seed: number,
): SampledCentre[] {
  if (!(fraction >= 0 && fraction <= 1))
    throw new Error(`aligned fraction must lie in [0, 1] (got ${fraction})`);
  const rng = new Prng(seed);
  return centres.map((c) => (rng.next() < fraction ? { ...c, center: align(c.center) } : c));
}

/** The longest side of the overview the category map is built on, in cells: inference's tissue mask size. */
const OVERVIEW_CELLS = 1024;

/** Detects tissue on a whole-slide overview (as inference does) and builds the category map on it. */
export async function overviewCategoryMap(
  source: SlideSource,
  regions: AnnotationRegion[],
  lookalikes: Lookalike[],
  borderPx: number,
  signal?: AbortSignal,
): Promise<CategoryMap> {
  const tissue = await detectTissue(source, { maxSize: OVERVIEW_CELLS, signal });
  return categoryMap(tissue, regions, lookalikes, borderPx);
}
