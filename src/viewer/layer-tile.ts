// What one overlay tile shows and how it is drawn: the heatmap (or difference) field, then the
// stored regions' and the ground truth's outlines over it. No OpenSeadragon: HeatmapLayer draws
// with it, and Node tests render tiles with it directly.

import { renderTile, type Sampler, type TileRegion, type TileStyle } from '../heatmap/tile-renderer';
import type { RgbaImage } from '../slide/slide-types';

export interface LayerContent {
  sampler: Sampler | null;
  style: TileStyle;
  /** ground truth, 1 inside / 0 outside: drawn as an outline */
  truth: Sampler | null;
  truthColor?: [number, number, number];
  /** stored tumour regions (a batch result's regions.geojson), 1 inside: drawn as an outline */
  regions?: Sampler | null;
}

/** The stored regions' outline colour (cyan; the ground truth is green). */
export const REGIONS_COLOR: [number, number, number] = [0, 220, 255];

/** Heatmap tile with the stored regions' and the ground truth's outlines drawn over it. */
export function renderLayerTile(content: LayerContent, region: TileRegion): RgbaImage {
  const tile = content.sampler
    ? renderTile(content.sampler, region, content.style)
    : {
        width: region.width,
        height: region.height,
        data: new Uint8ClampedArray(region.width * region.height * 4),
      };
  const outlines: [Sampler | null | undefined, [number, number, number]][] = [
    [content.regions, REGIONS_COLOR],
    [content.truth, content.truthColor ?? [80, 255, 80]],
  ];
  for (const [sampler, color] of outlines) {
    if (!sampler) continue;
    const outline = renderTile(sampler, region, {
      colormap: 'viridis',
      opacity: 0,
      threshold: 0.5,
      outlineColor: color,
    });
    const d = tile.data;
    const o = outline.data;
    for (let k = 3; k < o.length; k += 4) {
      if (o[k] === 255) {
        d[k - 3] = o[k - 3];
        d[k - 2] = o[k - 2];
        d[k - 1] = o[k - 1];
        d[k] = 255;
      }
    }
  }
  return tile;
}
