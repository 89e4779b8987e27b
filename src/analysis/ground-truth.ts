// Ground truth for Dice/IoU and its outline on the viewer: annotation regions (ASAP XML, GeoJSON,
// NCRF JSON, already parsed) rasterised once onto a slide-wide grid by annotations/rasterise.ts,
// the same rasteriser that labels the training patches, so truth and labels cannot drift apart.
//
// Usage:
//   const gt = groundTruthFromAnnotations(parseAnnotations(text), slide.metadata, 'demo.geojson');
//   segmentationMetrics(store, gt.truth);          // Dice / IoU over the analysed area
//   renderTile(gt.sampler, region, { threshold: 0.5, opacity: 0, ... })   // outline only
//   sidecarUrl('/demo/demo.tiff')                  // '/demo/demo.geojson'

import type { AnnotationRegion, AnnotationSet } from '../annotations/annotation-types';
import { rasterise } from '../annotations/rasterise';
import { type GridMask, maskValueAt } from '../geometry/polygon-raster';
import type { Truth } from '../heatmap/metrics';
import type { Sampler } from '../heatmap/tile-renderer';

/** The output channel a truth is for: annotation files are tumour truth; a label mask states its channel. */
export type TruthChannel = 'tumour' | 'gland';

export interface GroundTruth {
  name: string;
  channel: TruthChannel;
  /** annotation regions (none for a label mask) */
  regions: AnnotationRegion[];
  mask: GridMask;
  truth: Truth;
  /** 1 inside, 0 outside (for outline tiles) */
  sampler: Sampler;
}

/** Rasterises regions over the slide at most `maxGrid` cells a side (cell ≥ 1 level-0 px). */
export function groundTruthFromAnnotations(
  set: AnnotationSet,
  slide: { width: number; height: number },
  name: string,
  maxGrid = 4096,
): GroundTruth {
  const downsample = Math.max(1, Math.max(slide.width, slide.height) / maxGrid);
  const grid = {
    x: 0,
    y: 0,
    width: Math.ceil(slide.width / downsample),
    height: Math.ceil(slide.height / downsample),
    downsample,
  };
  const mask: GridMask = { ...grid, data: rasterise(set.regions, grid) };
  return {
    name,
    channel: 'tumour',
    regions: set.regions,
    mask,
    truth: (x, y) => maskValueAt(mask, x, y) === 1,
    sampler: (x, y) => maskValueAt(mask, x, y),
  };
}

/** Truth from a 0/1 grid already on the slide (a label-mask image; src/glas/label-mask.ts). */
export function groundTruthFromMask(mask: GridMask, name: string, channel: TruthChannel): GroundTruth {
  return {
    name,
    channel,
    regions: [],
    mask,
    truth: (x, y) => maskValueAt(mask, x, y) === 1,
    sampler: (x, y) => maskValueAt(mask, x, y),
  };
}

/** The GeoJSON sidecar a slide URL may have (demo.tiff → demo.geojson); null for other inputs. */
export function sidecarUrl(slideUrl: string): string | null {
  const path = slideUrl.split(/[?#]/)[0];
  const ext = /\.(ome\.)?(tiff?|svs|tf8|btf)$/i;
  return ext.test(path) ? path.replace(ext, '.geojson') : null;
}
