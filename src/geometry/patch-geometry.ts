// Patch geometry: the one source of truth for where a model's target and context patches
// lie on a slide. Training-data extraction and in-browser inference both call these.

import type { RegionRequest } from '../slide/slide-types';

export interface PatchGeometry {
  /** target patch edge in pixels */
  targetSize: number;
  /** µm per target pixel */
  targetMpp: number;
  /** context patch edge in pixels; absent for single-input models */
  contextSize?: number;
  /** µm per context pixel */
  contextMpp?: number;
  /**
   * Output pixels dropped on each side (default keepMarginFor(targetSize)). A tile larger than the
   * patch the model was trained on keeps the trained patch's margin (tileGeometry).
   */
  keepMargin?: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Output pixels dropped on each side of a patch: the border where a padded convolution sees
 * zeros. The viewer, the batch and the evaluation all keep the same centre.
 */
export const keepMarginFor = (targetSize: number) => Math.max(1, Math.round(targetSize / 8));

/** The margin a geometry's patches keep: its own keepMargin, else keepMarginFor(targetSize). */
export const marginOf = (g: PatchGeometry): number => g.keepMargin ?? keepMarginFor(g.targetSize);

/**
 * The geometry of an inference tile of `tileSize` target pixels for a model trained on `trained`
 * patches: the target tile is `tileSize` px at the target mpp and the context tile grows by the
 * same factor at the context mpp (same centre), so the context crop fraction is unchanged; the
 * keep margin stays the trained patch's (the border where its padded convolutions see zeros).
 * `tileGeometry(g, g.targetSize)` is `g`.
 */
export function tileGeometry(trained: PatchGeometry, tileSize: number): PatchGeometry {
  if (!Number.isInteger(tileSize) || tileSize < trained.targetSize)
    throw new Error(
      `tile ${tileSize} px must be a whole number ≥ the trained ${trained.targetSize} px patch`,
    );
  const keepMargin = marginOf(trained);
  const scale = tileSize / trained.targetSize;
  const out: PatchGeometry = { targetSize: tileSize, targetMpp: trained.targetMpp };
  // explicit only where it differs from the default, so the trained size's geometry is as before
  if (keepMargin !== keepMarginFor(tileSize)) out.keepMargin = keepMargin;
  if (trained.contextSize !== undefined && trained.contextMpp !== undefined) {
    const contextSize = trained.contextSize * scale;
    if (!Number.isInteger(contextSize))
      throw new Error(`a ${tileSize} px tile needs a ${contextSize} px context tile: not whole pixels`);
    out.contextSize = contextSize;
    out.contextMpp = trained.contextMpp;
  }
  return out;
}

/** (begin, length) of the centred crop covering `fraction` of a `size`-pixel side (training/mrn.py centre_crop_box). */
export function centreCropBox(size: number, fraction: number): { begin: number; length: number } {
  const length = Math.round(size * fraction);
  if (length < 1 || Math.abs(length - size * fraction) > 1e-6 || (size - length) % 2 !== 0)
    throw new Error(`cannot centre-crop ${fraction} of ${size} px exactly`);
  return { begin: (size - length) / 2, length };
}

export interface ContextCrop {
  /** encoder level (0 = full resolution; level i is 2^-i of the tile) */
  level: number;
  /** context feature map edge at this level */
  size: number;
  /** the central crop covering the target's field of view, resized back to `size` */
  begin: number;
  length: number;
}

/**
 * MRN's context crop at every encoder level for a tile geometry: the central
 * contextCropFraction(g) of each side of the context features, resized to the level's size so
 * that context pixel and target pixel cover the same slide point. Throws when a level cannot crop
 * exactly (whole pixels, centred); the exporter (training/export_tiles.py) checks the same.
 */
export function mrnContextCrops(g: PatchGeometry, depth: number): ContextCrop[] {
  if (g.contextSize === undefined) throw new Error('this model has no context input');
  const fraction = contextCropFraction(g);
  const crops: ContextCrop[] = [];
  for (let level = 0; level < depth; level++) {
    const size = g.contextSize / 2 ** level;
    if (!Number.isInteger(size))
      throw new Error(`a ${g.contextSize} px context does not halve ${level} times`);
    crops.push({ level, size, ...centreCropBox(size, fraction) });
  }
  return crops;
}

/** level-0 pixels per output pixel at a given mpp */
export function downsampleFor(mpp: number, slideMpp: number): number {
  if (!(mpp > 0) || !(slideMpp > 0)) throw new Error(`mpp must be positive (got ${mpp} over ${slideMpp})`);
  return mpp / slideMpp;
}

/** A square region of `size` pixels at `mpp`, centred on `center` (level-0 px). */
export function centeredRegion(center: Point, size: number, mpp: number, slideMpp: number): RegionRequest {
  const downsample = downsampleFor(mpp, slideMpp);
  const half = (size / 2) * downsample;
  return { x: center.x - half, y: center.y - half, width: size, height: size, downsample };
}

export function targetRegion(center: Point, g: PatchGeometry, slideMpp: number): RegionRequest {
  return centeredRegion(center, g.targetSize, g.targetMpp, slideMpp);
}

export function contextRegion(center: Point, g: PatchGeometry, slideMpp: number): RegionRequest {
  if (g.contextSize === undefined || g.contextMpp === undefined) {
    throw new Error('this model has no context input');
  }
  return centeredRegion(center, g.contextSize, g.contextMpp, slideMpp);
}

/** Field of view of the target patch as a fraction of the context patch's (e.g. 0.25 for 1 vs 4 mpp). */
/**
 * Moves `center` (by under one context pixel) so that the model's coarsest input region starts on a
 * whole pixel of that input's grid, as it does for every patch planPatchGrid places when the
 * downsamples divide its step. Reading such a region copies pixels; reading one at a fractional
 * offset area-averages neighbours, a slight blur. A network trained only on one of the two fails
 * on the other (the MRN's context branch lost most tumour at grid-aligned centres), so training
 * data should hold both.
 */
export function pixelAlignedCenter(center: Point, g: PatchGeometry, slideMpp: number): Point {
  const region =
    g.contextSize !== undefined && g.contextMpp !== undefined
      ? contextRegion(center, g, slideMpp)
      : targetRegion(center, g, slideMpp);
  const ds = region.downsample;
  return {
    x: center.x + (Math.round(region.x / ds) * ds - region.x),
    y: center.y + (Math.round(region.y / ds) * ds - region.y),
  };
}

export function contextCropFraction(g: PatchGeometry): number {
  if (g.contextSize === undefined || g.contextMpp === undefined) return 1;
  return (g.targetSize * g.targetMpp) / (g.contextSize * g.contextMpp);
}

export interface PlannedPatch {
  /** patch centre, level-0 px */
  center: Point;
  /** the part of the model output kept for stitching, in output pixels of this patch */
  keep: Rect;
  /** where the kept part lands, in level-0 px */
  keepOnSlide: Rect;
  /** grid indices, for ordering and caching */
  col: number;
  row: number;
}

/**
 * Tiles `area` (level-0 px) with overlapping patches. Each patch keeps its centre
 * (targetSize − 2·margin pixels), and kept parts abut exactly, so stitching shows no seams.
 * The grid is anchored at the slide origin so that the same patch is planned whatever the
 * viewport, which lets results be cached by (col, row).
 */
export function planPatchGrid(
  area: Rect,
  g: PatchGeometry,
  slideMpp: number,
  margin: number,
): PlannedPatch[] {
  const keepPx = g.targetSize - 2 * margin;
  if (keepPx <= 0) throw new Error(`margin ${margin} leaves nothing of a ${g.targetSize}px patch`);
  const d = downsampleFor(g.targetMpp, slideMpp);
  const step = keepPx * d;
  const c0 = Math.floor(area.x / step);
  const r0 = Math.floor(area.y / step);
  const c1 = Math.ceil((area.x + area.width) / step);
  const r1 = Math.ceil((area.y + area.height) / step);
  const patches: PlannedPatch[] = [];
  for (let row = r0; row < r1; row++) {
    for (let col = c0; col < c1; col++) {
      patches.push(gridPatch(col, row, g, slideMpp, margin));
    }
  }
  return patches;
}

export function gridPatch(
  col: number,
  row: number,
  g: PatchGeometry,
  slideMpp: number,
  margin: number,
): PlannedPatch {
  const keepPx = g.targetSize - 2 * margin;
  const d = downsampleFor(g.targetMpp, slideMpp);
  const step = keepPx * d;
  const keepOnSlide = { x: col * step, y: row * step, width: step, height: step };
  const center = { x: keepOnSlide.x + step / 2, y: keepOnSlide.y + step / 2 };
  return { center, keep: { x: margin, y: margin, width: keepPx, height: keepPx }, keepOnSlide, col, row };
}

/** Orders patches centre-out around a point, nearest first. */
export function orderCenterOut<T extends { center: Point }>(patches: T[], focus: Point): T[] {
  return [...patches].sort(
    (a, b) =>
      (a.center.x - focus.x) ** 2 +
      (a.center.y - focus.y) ** 2 -
      ((b.center.x - focus.x) ** 2 + (b.center.y - focus.y) ** 2),
  );
}
