// Tissue detection on a low-resolution thumbnail, so background patches are never analysed.
//
// Usage:
//   const mask = await detectTissue(source, { signal });          // reads a ≤1024 px thumbnail
//   tissueFraction(mask, patch.keepOnSlide) > 0.05                 // analyse this patch?
//   // pure: tissueMaskFromRgba(rgba, downsample)
//
// A pixel is tissue when its HSV saturation is above an Otsu threshold (clamped to a sane range,
// so an all-tissue or all-glass thumbnail still splits sensibly) and it is neither near-white
// glass nor near-black (pen, scanner border). The mask is dilated by one pixel so patch
// borders of tissue are kept.

import type { Rect } from '../geometry/patch-geometry';
import type { RgbaImage, SlideSource } from '../slide/slide-types';

export interface TissueMask {
  width: number;
  height: number;
  /** level-0 px per mask pixel */
  downsample: number;
  /** 1 = tissue */
  data: Uint8Array;
  /** saturation threshold used (0..255) */
  threshold: number;
}

export interface TissueOptions {
  /** saturation threshold clamp, 0..255 */
  minThreshold?: number;
  maxThreshold?: number;
  /** brighter than this (max channel) is glass */
  maxBrightness?: number;
  /** darker than this (max channel) is pen/border */
  minBrightness?: number;
}

/** Otsu's threshold of a 256-bin histogram: the bin t maximising between-class variance of [0,t] vs (t,255]. */
export function otsuThreshold(hist: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    total += hist[i];
    sum += i * hist[i];
  }
  let w0 = 0;
  let sum0 = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    w0 += hist[t];
    if (w0 === 0) continue;
    const w1 = total - w0;
    if (w1 === 0) break;
    sum0 += t * hist[t];
    const m0 = sum0 / w0;
    const m1 = (sum - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

export function tissueMaskFromRgba(
  img: RgbaImage,
  downsample: number,
  options: TissueOptions = {},
): TissueMask {
  const { width, height, data } = img;
  const n = width * height;
  const sat = new Uint8Array(n);
  const hist = new Uint32Array(256);
  const maxBright = options.maxBrightness ?? 235;
  const minBright = options.minBrightness ?? 80;
  const valid = new Uint8Array(n);
  for (let p = 0, s = 0; p < n; p++, s += 4) {
    const r = data[s];
    const g = data[s + 1];
    const b = data[s + 2];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const sv = max === 0 ? 0 : Math.round(((max - min) * 255) / max);
    sat[p] = sv;
    hist[sv]++;
    valid[p] = max >= minBright && (max <= maxBright || sv > 40) ? 1 : 0;
  }
  const threshold = Math.min(
    options.maxThreshold ?? 25,
    Math.max(options.minThreshold ?? 12, otsuThreshold(hist)),
  );
  const raw = new Uint8Array(n);
  for (let p = 0; p < n; p++) raw[p] = valid[p] && sat[p] > threshold ? 1 : 0;
  // one-pixel dilation (3×3)
  const mask = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let dy = -1; dy <= 1 && !on; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && raw[yy * width + xx]) {
            on = 1;
            break;
          }
        }
      }
      mask[y * width + x] = on;
    }
  }
  return { width, height, downsample, data: mask, threshold };
}

/** Reads a thumbnail whose long side is at most `maxSize` px and detects tissue on it. */
export async function detectTissue(
  source: SlideSource,
  options: TissueOptions & { maxSize?: number; signal?: AbortSignal } = {},
): Promise<TissueMask> {
  const { width, height } = source.metadata;
  const maxSize = options.maxSize ?? 1024;
  const downsample = Math.max(1, Math.max(width, height) / maxSize);
  const img = await source.readRegion({
    x: 0,
    y: 0,
    width: Math.ceil(width / downsample),
    height: Math.ceil(height / downsample),
    downsample,
    signal: options.signal,
  });
  return tissueMaskFromRgba(img, downsample, options);
}

/** Fraction of mask pixels under a level-0 rectangle that are tissue (0 outside the mask). */
export function tissueFraction(mask: TissueMask, rect: Rect): number {
  const ux0 = Math.floor(rect.x / mask.downsample);
  const uy0 = Math.floor(rect.y / mask.downsample);
  const ux1 = Math.ceil((rect.x + rect.width) / mask.downsample);
  const uy1 = Math.ceil((rect.y + rect.height) / mask.downsample);
  const area = Math.max(1, (ux1 - ux0) * (uy1 - uy0));
  let on = 0;
  for (let y = Math.max(0, uy0); y < Math.min(mask.height, uy1); y++) {
    for (let x = Math.max(0, ux0); x < Math.min(mask.width, ux1); x++) on += mask.data[y * mask.width + x];
  }
  return on / area;
}
