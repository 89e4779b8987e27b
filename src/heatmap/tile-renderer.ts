// Renders a value field (a probability store, or a difference of two) into RGBA overlay tiles.
//
// Usage:
//   const rgba = renderTile(storeSampler(store), tileRegion(col, row, 256, downsample), {
//     colormap: 'inferno', opacity: 0.6, threshold: 0.5,
//   });
//   // difference map: renderTile(differenceSampler(mrnStore, unetStore), region, { colormap: 'RdBu', domain: [-1, 1] })
//
// A tile pixel takes the value at its centre (nearest store pixel). Pixels with no value
// (not analysed) are transparent. The optional threshold outline is drawn on pixels at or above
// the threshold that touch one below it (or unanalysed), one pixel wide at the tile's scale.

import type { RgbaImage } from '../slide/slide-types';
import { type ColormapName, colormapLut } from './colormap';
import type { ProbabilityStore } from './probability-store';

/** Value at a level-0 point; NaN where there is none. */
export type Sampler = (x: number, y: number) => number;

/** A tile in level-0 terms: origin, size in tile pixels, level-0 px per tile pixel. */
export interface TileRegion {
  x: number;
  y: number;
  width: number;
  height: number;
  downsample: number;
}

export interface TileStyle {
  colormap: ColormapName;
  /** 0..1 */
  opacity: number;
  /** values mapped to the colormap ends (default [0, 1]) */
  domain?: [number, number];
  /** draw an outline at this value; null/undefined for none */
  threshold?: number | null;
  outlineColor?: [number, number, number];
  /** values below this are transparent (e.g. hide p < 0.1); default none */
  hideBelow?: number;
}

/** Tile (col, row) of a pyramid level whose pixels are `downsample` level-0 px. */
export function tileRegion(col: number, row: number, tileSize: number, downsample: number): TileRegion {
  return {
    x: col * tileSize * downsample,
    y: row * tileSize * downsample,
    width: tileSize,
    height: tileSize,
    downsample,
  };
}

/**
 * OpenSeadragon levels are powers of two below `maxLevel` (the full-resolution level).
 * Returns the level-0 px per pixel of OSD level `level`.
 */
export function osdLevelDownsample(level: number, maxLevel: number): number {
  return 2 ** (maxLevel - level);
}

export function storeSampler(store: ProbabilityStore): Sampler {
  return (x, y) => store.sampleLevel0(x, y);
}

/** MRN − U-Net where both were analysed. */
export function differenceSampler(a: ProbabilityStore, b: ProbabilityStore): Sampler {
  return (x, y) => a.sampleLevel0(x, y) - b.sampleLevel0(x, y);
}

export function renderTile(sample: Sampler, region: TileRegion, style: TileStyle): RgbaImage {
  const { width: w, height: h, downsample: ds } = region;
  // values with a one-pixel border, so outlines continue across tile edges
  const W = w + 2;
  const values = new Float32Array(W * (h + 2));
  for (let j = -1; j <= h; j++) {
    const y = region.y + (j + 0.5) * ds;
    for (let i = -1; i <= w; i++) values[(j + 1) * W + i + 1] = sample(region.x + (i + 0.5) * ds, y);
  }
  const lut = colormapLut(style.colormap);
  const [lo, hi] = style.domain ?? [0, 1];
  const scale = 255 / (hi - lo);
  const alpha = Math.round(Math.min(1, Math.max(0, style.opacity)) * 255);
  const t = style.threshold ?? null;
  const outline = style.outlineColor ?? [0, 255, 255];
  const hideBelow = style.hideBelow ?? Number.NEGATIVE_INFINITY;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const k = (j + 1) * W + i + 1;
      const v = values[k];
      const o = (j * w + i) * 4;
      if (Number.isNaN(v) || v < hideBelow) continue; // transparent
      if (t !== null && v >= t) {
        const n = [values[k - 1], values[k + 1], values[k - W], values[k + W]];
        if (n.some((x) => !(x >= t))) {
          data[o] = outline[0];
          data[o + 1] = outline[1];
          data[o + 2] = outline[2];
          data[o + 3] = 255;
          continue;
        }
      }
      const c = Math.min(255, Math.max(0, Math.round((v - lo) * scale))) * 3;
      data[o] = lut[c];
      data[o + 1] = lut[c + 1];
      data[o + 2] = lut[c + 2];
      data[o + 3] = alpha;
    }
  }
  return { width: w, height: h, data };
}
