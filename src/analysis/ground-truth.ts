// Ground truth for Dice/IoU and its outline on the viewer: annotation regions (ASAP XML, GeoJSON,
// NCRF JSON, already parsed) rasterised once onto a slide-wide grid.
//
// Usage:
//   const gt = groundTruthFromAnnotations(parseAnnotations(text), slide.metadata, 'demo.geojson');
//   segmentationMetrics(store, gt.truth);          // Dice / IoU over the analysed area
//   renderTile(gt.sampler, region, { threshold: 0.5, opacity: 0, ... })   // outline only
//   sidecarUrl('/demo/demo.tiff')                  // '/demo/demo.geojson'
//
// Each region is rasterised on its own bounding box (even-odd within the region) and OR-ed in, so
// overlapping positive regions stay positive; negative regions are cleared afterwards.

import type { AnnotationRegion, AnnotationSet } from '../annotations/annotation-types';
import type { Truth } from '../heatmap/metrics';
import { type GridMask, rasterizePolygons } from '../heatmap/rasterize';
import type { Sampler } from '../heatmap/tile-renderer';

export interface GroundTruth {
  name: string;
  regions: AnnotationRegion[];
  mask: GridMask;
  truth: Truth;
  /** 1 inside, 0 outside (for outline tiles) */
  sampler: Sampler;
}

function burn(mask: GridMask, region: AnnotationRegion, value: 0 | 1): void {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const ring of region.rings) {
    for (const [x, y] of ring) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  const c = mask.cell;
  const i0 = Math.max(0, Math.floor((x0 - mask.x) / c));
  const j0 = Math.max(0, Math.floor((y0 - mask.y) / c));
  const i1 = Math.min(mask.width, Math.ceil((x1 - mask.x) / c) + 1);
  const j1 = Math.min(mask.height, Math.ceil((y1 - mask.y) / c) + 1);
  if (i1 <= i0 || j1 <= j0) return;
  const sub = rasterizePolygons(region.rings, {
    x: mask.x + i0 * c,
    y: mask.y + j0 * c,
    width: i1 - i0,
    height: j1 - j0,
    cell: c,
  });
  for (let j = 0; j < sub.height; j++) {
    const row = (j0 + j) * mask.width + i0;
    for (let i = 0; i < sub.width; i++) if (sub.data[j * sub.width + i]) mask.data[row + i] = value;
  }
}

/** Rasterises regions over the slide at most `maxGrid` cells a side (cell ≥ 1 level-0 px). */
export function groundTruthFromAnnotations(
  set: AnnotationSet,
  slide: { width: number; height: number },
  name: string,
  maxGrid = 4096,
): GroundTruth {
  const cell = Math.max(1, Math.max(slide.width, slide.height) / maxGrid);
  const width = Math.ceil(slide.width / cell);
  const height = Math.ceil(slide.height / cell);
  const mask: GridMask = { x: 0, y: 0, width, height, cell, data: new Uint8Array(width * height) };
  for (const r of set.regions) if (r.positive) burn(mask, r, 1);
  for (const r of set.regions) if (!r.positive) burn(mask, r, 0);
  const at = (x: number, y: number): number => {
    const i = Math.floor(x / cell);
    const j = Math.floor(y / cell);
    return i >= 0 && j >= 0 && i < width && j < height ? mask.data[j * width + i] : 0;
  };
  return {
    name,
    regions: set.regions,
    mask,
    truth: (x, y) => at(x, y) === 1,
    sampler: at,
  };
}

/** The GeoJSON sidecar a slide URL may have (demo.tiff → demo.geojson); null for other inputs. */
export function sidecarUrl(slideUrl: string): string | null {
  const path = slideUrl.split(/[?#]/)[0];
  const ext = /\.(ome\.)?(tiff?|svs|tf8|btf)$/i;
  return ext.test(path) ? path.replace(ext, '.geojson') : null;
}
