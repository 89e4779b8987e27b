// Result summaries for export: JSON, CSV and a PNG overview of the heatmap.
//
// Usage:
//   const summary = buildSummary({ store, slide: source.metadata, backend: engine.decision!.chosen,
//     modelName: card.name, elapsedMs: result.elapsedMs, patches: result.done, threshold: 0.5, regions });
//   summaryToJson(summary); summaryToCsv(summary);
//   const png = overviewPng(store, source.metadata, { maxSize: 1024, colormap: 'inferno' }); // Uint8Array
//
// Areas: one store pixel is targetMpp² µm²; tumour = store pixels ≥ threshold, over analysed pixels.

import { encode } from 'fast-png';
import type { RgbaImage, SlideMetadata } from '../slide/slide-types';
import type { SegmentationMetrics } from './metrics';
import type { ProbabilityStore } from './probability-store';
import type { RegionCollection } from './region-export';
import { renderTile, storeSampler, type TileStyle } from './tile-renderer';

export interface AnalysisSummary {
  slide: { name: string; width: number; height: number; mpp: number; fingerprint: string | null };
  /** `channel`: the output channel the summary refers to (the tumour channel by default) */
  model: { id: string; name: string; targetMpp: number; channel: string };
  backend: string;
  threshold: number;
  patches: number;
  analysedAreaMm2: number;
  tumourAreaMm2: number;
  /** tumour area / analysed area */
  tumourFraction: number;
  regions: number;
  elapsedMs: number;
  patchesPerSecond: number;
  metrics: SegmentationMetrics | null;
  createdAt: string;
}

export interface SummaryInput {
  store: ProbabilityStore;
  slide: SlideMetadata;
  modelName?: string;
  /** the output channel summarised (default 'tumour') */
  channel?: string;
  backend: string;
  elapsedMs: number;
  /** patches computed (cached ones included) */
  patches: number;
  threshold?: number;
  regions?: RegionCollection | null;
  metrics?: SegmentationMetrics | null;
  fingerprint?: string | null;
  now?: Date;
}

export function buildSummary(input: SummaryInput): AnalysisSummary {
  const { store } = input;
  const threshold = input.threshold ?? 0.5;
  const { analysed, positive } = store.countPixels(threshold);
  const mm2PerPx = (store.info.targetMpp * store.info.targetMpp) / 1e6;
  return {
    slide: {
      name: input.slide.name,
      width: input.slide.width,
      height: input.slide.height,
      mpp: store.info.slideMpp,
      fingerprint: input.fingerprint ?? null,
    },
    model: {
      id: store.info.modelId,
      name: input.modelName ?? store.info.modelId,
      targetMpp: store.info.targetMpp,
      channel: input.channel ?? 'tumour',
    },
    backend: input.backend,
    threshold,
    patches: input.patches,
    analysedAreaMm2: analysed * mm2PerPx,
    tumourAreaMm2: positive * mm2PerPx,
    tumourFraction: analysed === 0 ? 0 : positive / analysed,
    regions: input.regions?.features.length ?? 0,
    elapsedMs: input.elapsedMs,
    patchesPerSecond: input.elapsedMs > 0 ? (input.patches * 1000) / input.elapsedMs : 0,
    metrics: input.metrics ?? null,
    createdAt: (input.now ?? new Date()).toISOString(),
  };
}

export function summaryToJson(summary: AnalysisSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/** Flattens nested fields to dotted keys: one "key,value" row each. */
export function summaryToCsv(summary: AnalysisSummary): string {
  const rows: [string, unknown][] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    } else rows.push([prefix, v]);
  };
  walk('', summary);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `key,value\n${rows.map(([k, v]) => `${cell(k)},${cell(v)}`).join('\n')}\n`;
}

/** One row per exported region: name, area (µm²), centroid (level-0 px). */
export function regionsToCsv(regions: RegionCollection): string {
  const lines = ['name,class,area_um2,centroid_x,centroid_y'];
  for (const f of regions.features) {
    const outer = f.geometry.coordinates[0];
    const cx = outer.reduce((a, p) => a + p[0], 0) / outer.length;
    const cy = outer.reduce((a, p) => a + p[1], 0) / outer.length;
    lines.push(
      `${f.properties.name},${f.properties.classification.name},${f.properties.areaUm2},${cx.toFixed(1)},${cy.toFixed(1)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The whole slide's heatmap at most `maxSize` px a side (transparent where not analysed). */
export function renderOverview(
  store: ProbabilityStore,
  slide: Pick<SlideMetadata, 'width' | 'height'>,
  options: Partial<TileStyle> & { maxSize?: number } = {},
): RgbaImage {
  const ds = Math.max(slide.width, slide.height) / (options.maxSize ?? 1024);
  return renderTile(
    storeSampler(store),
    { x: 0, y: 0, width: Math.ceil(slide.width / ds), height: Math.ceil(slide.height / ds), downsample: ds },
    {
      colormap: options.colormap ?? 'inferno',
      opacity: options.opacity ?? 1,
      threshold: options.threshold ?? null,
    },
  );
}

export function encodeRgbaPng(img: RgbaImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 4, depth: 8 });
}

export function overviewPng(
  store: ProbabilityStore,
  slide: Pick<SlideMetadata, 'width' | 'height'>,
  options: Partial<TileStyle> & { maxSize?: number } = {},
): Uint8Array {
  return encodeRgbaPng(renderOverview(store, slide, options));
}
