// Numbers and files out of the heatmaps: live stats (throttled into analysisStore.stats), point
// samples, tumour regions (GeoJSON), the overview PNG and the summary (JSON / CSV). The one place
// a summary is built, for analyze() results and for exports alike.

import type { GroundTruth } from '../../analysis/ground-truth';
import { splitHeatmapKey } from '../../analysis/heatmap-key';
import { type HeatmapStats, heatmapStats } from '../../analysis/heatmap-stats';
import { segmentationMetrics } from '../../heatmap/metrics';
import type { ProbabilityStore } from '../../heatmap/probability-store';
import { type RegionCollection, tumourRegions } from '../../heatmap/region-export';
import {
  type AnalysisSummary,
  buildSummary,
  overviewPng,
  summaryToCsv,
  summaryToJson,
} from '../../heatmap/summary';
import { getAnalysis, setAnalysis } from '../analysis-store';
import type { ModelRuntimes } from './model-runtimes';
import type { SlideContext } from './slide-context';

const STATS_THROTTLE_MS = 1000;

export interface ExportDeps {
  /** the open slide's context (throws when none) */
  context(): SlideContext;
  /** the open slide's stores (null when none) */
  stores(): ReadonlyMap<string, ProbabilityStore> | null;
  /** the truth for an output channel ('tumour' for annotation files; a label mask also has 'gland') */
  truth(channel: string): GroundTruth | null;
  models: Pick<ModelRuntimes, 'backendOf' | 'entry'>;
}

/** The output channel a heatmap key shows: the one it names, else the model's tumour channel. */
export function channelOfKey(key: string): string {
  const { model, channel } = splitHeatmapKey(key);
  if (channel) return channel;
  return getAnalysis().models.find((m) => m.id === model)?.card?.output.tumourChannel ?? 'tumour';
}

export class AnalysisExports {
  private readonly statsTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: ExportDeps) {}

  stats(modelId: string): HeatmapStats | null {
    const store = this.deps.stores()?.get(modelId);
    if (!store) return null;
    const channel = channelOfKey(modelId);
    return heatmapStats(store, {
      threshold: getAnalysis().threshold,
      backend: this.deps.models.backendOf(modelId),
      truth: this.deps.truth(channel)?.truth ?? null,
      channel,
    });
  }

  /** Puts the model's stats in the store: now, or at most once a second while batches land. */
  publishStats(modelId: string, now = false): void {
    if (!now) {
      if (this.statsTimers.has(modelId)) return;
      const t = setTimeout(() => {
        this.statsTimers.delete(modelId);
        this.publishStats(modelId, true);
      }, STATS_THROTTLE_MS);
      this.statsTimers.set(modelId, t);
      return;
    }
    const s = this.stats(modelId);
    const stats = { ...getAnalysis().stats };
    if (s) stats[modelId] = s;
    else delete stats[modelId];
    setAnalysis({ stats });
  }

  /** Probability at a level-0 point; null where the model has not analysed. */
  sample(modelId: string, x: number, y: number): number | null {
    const v = this.deps.stores()?.get(modelId)?.sampleLevel0(x, y);
    return v === undefined || Number.isNaN(v) ? null : v;
  }

  regions(modelId: string): RegionCollection {
    return tumourRegions(this.requireStore(modelId), {
      threshold: getAnalysis().threshold,
      minAreaUm2: 100,
      channel: channelOfKey(modelId),
    });
  }

  heatmapPng(modelId: string, maxSize = 2048): Uint8Array {
    const ctx = this.deps.context();
    const a = getAnalysis();
    return overviewPng(this.requireStore(modelId), ctx.metadata, {
      maxSize,
      colormap: a.colormap,
      threshold: a.outline ? a.threshold : null,
    });
  }

  /** The summary of a run (patches and time of that run) or, with `regions`, of the export. */
  async summarize(
    modelId: string,
    store: ProbabilityStore,
    run: { patches: number; elapsedMs: number; backend: string },
    regions: RegionCollection | null = null,
  ): Promise<AnalysisSummary> {
    const ctx = this.deps.context();
    const threshold = getAnalysis().threshold;
    const channel = channelOfKey(modelId);
    const truth = this.deps.truth(channel);
    return buildSummary({
      channel,
      store,
      slide: ctx.metadata,
      modelName: (await this.deps.models.entry(modelId)).card?.name ?? modelId,
      ...run,
      threshold,
      regions,
      metrics: truth ? segmentationMetrics(store, truth.truth, { threshold }) : null,
      fingerprint: await ctx.fingerprint,
    });
  }

  /** The export summary: every patch of the store, the time of the model's last run. */
  summary(modelId: string): Promise<AnalysisSummary> {
    this.deps.context();
    const store = this.requireStore(modelId);
    const run = {
      patches: store.cellCount,
      elapsedMs: getAnalysis().jobs[modelId]?.elapsedMs ?? 0,
      backend: this.deps.models.backendOf(modelId) ?? 'unknown',
    };
    return this.summarize(modelId, store, run, this.regions(modelId));
  }

  async summaryText(modelId: string, format: 'json' | 'csv'): Promise<string> {
    const s = await this.summary(modelId);
    return format === 'json' ? summaryToJson(s) : summaryToCsv(s);
  }

  private requireStore(modelId: string): ProbabilityStore {
    const store = this.deps.stores()?.get(modelId);
    if (!store || store.cellCount === 0)
      throw new Error(`No ${modelId} heatmap for this slide yet; run an analysis first.`);
    return store;
  }
}

/** A file name stem: slide name + model. */
export function exportName(slideName: string | null | undefined, modelId: string): string {
  return `${(slideName ?? 'slide').replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_')}.${modelId}`;
}
