// In-browser analysis of the open slide: model runtimes (inference workers), per-model probability
// stores, viewport and whole-slide runs, heatmap overlays, compare view, ground truth, persistence
// and exports. No React: the UI panel and the scripting API (src/api/analysis-api.ts) both drive it.
//
// Usage:
//   const analysis = new AnalysisSession(slideSession, { createCompareViewer });
//   await analysis.loadModels();
//   analysis.setHeatmapVisible(true);                // live: the viewport is analysed on pan/zoom
//   await analysis.analyze('mrn-bilinear', 'slide'); // whole slide, with progress in analysisStore
//   analysis.stats('mrn-bilinear');                  // HeatmapStats (Dice/IoU when there is ground truth)
//
// Flow of one run: plan (viewport + margin, or a rect, or the whole slide, at the model's target
// mpp, tissue only, cached cells skipped) → runAnalysis (target reads from the slide, context reads
// through the shared low-res ContextCache, fixed batches in the worker) → ProbabilityStore →
// overlay refresh. Pan/zoom cancels the stale viewport run (LatestRunner, debounced).

import { ContextCache } from '../analysis/context-cache';
import { type GroundTruth, groundTruthFromAnnotations, sidecarUrl } from '../analysis/ground-truth';
import { type HeatmapStats, heatmapStats } from '../analysis/heatmap-stats';
import { defaultComparePair, defaultModel, fetchModels, type ModelEntry } from '../analysis/model-index';
import { isAbortError, LatestRunner, type Progress, runAnalysis } from '../analysis/scheduler';
import { detectTissue, type TissueMask } from '../analysis/tissue-detection';
import {
  type Plan,
  type PlanOptions,
  planArea,
  planViewport,
  planWholeSlide,
} from '../analysis/viewport-planner';
import { parseAnnotations } from '../annotations/parse-annotations';
import type { PatchGeometry, Rect } from '../geometry/patch-geometry';
import { segmentationMetrics } from '../heatmap/metrics';
import { ProbabilityStore } from '../heatmap/probability-store';
import { type RegionCollection, tumourRegions } from '../heatmap/region-export';
import {
  deserializeStore,
  openResultsDb,
  type ResultsDb,
  type SavedResult,
  serializeStore,
  slideFingerprint,
} from '../heatmap/result-persistence';
import {
  type AnalysisSummary,
  buildSummary,
  overviewPng,
  summaryToCsv,
  summaryToJson,
} from '../heatmap/summary';
import { differenceSampler, type Sampler, storeSampler, type TileStyle } from '../heatmap/tile-renderer';
import type { BackendChoice } from '../inference/backend-types';
import { type InferenceHandle, startInference } from '../inference/inference-client';
import { type ModelCard, parseModelCard, parseModelCardText } from '../inference/model-card';
import type { RegionRequest, RgbaImage, SlideMetadata, SlideSource } from '../slide/slide-types';
import { ViewSync } from '../viewer/compare-sync';
import { HeatmapLayer, type LayerContent } from '../viewer/heatmap-layer';
import { viewerImageRect } from '../viewer/heatmap-viewport';
import type { ViewState } from '../viewer/view-math';
import type { SlideViewer } from '../viewer/viewer-controller';
import type { ViewerSlide } from '../viewer/viewer-slide';
import { type AnalysisState, analysisStore, getAnalysis, type JobInfo, setAnalysis } from './analysis-store';
import { type AppState, appStore, getState, setState } from './app-store';
import type { SlideSession } from './slide-session';

export type AnalysisRegion = Rect | 'viewport' | 'slide';

export interface AnalyzeResult extends AnalysisSummary {
  stats: HeatmapStats;
  /** patches skipped as background by tissue detection */
  background: number;
  fallbacks: string[];
}

export interface AnalysisSessionOptions {
  /** builds the right-hand viewer of the split view (called once, on first compare) */
  createCompareViewer?: () => SlideViewer;
  modelsBase?: string;
  /** viewport runs analyse at most this many patches, nearest the centre first */
  maxViewportPatches?: number;
}

const VIEW_DEBOUNCE_MS = 350;
const SAVE_DEBOUNCE_MS = 1500;
const STATS_THROTTLE_MS = 1000;

/** Output pixels dropped on each side of a patch before stitching (8 of 64). */
export const keepMarginFor = (targetSize: number) => Math.max(1, Math.round(targetSize / 8));

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

interface Runtime {
  backend: BackendChoice;
  handle: Promise<InferenceHandle>;
}

interface SlideContext {
  slide: ViewerSlide;
  source: SlideSource;
  metadata: SlideMetadata;
  mpp: number;
  stores: Map<string, ProbabilityStore>;
  pendingStores: Map<string, Promise<ProbabilityStore>>;
  tissue: Promise<TissueMask | null> | null;
  contextCaches: Map<number, ContextCache>;
  fingerprint: Promise<string | null>;
}

export class AnalysisSession {
  private readonly runtimes = new Map<string, Runtime>();
  /** cards of models added by URL (addModel), passed to the worker instead of fetching card.json */
  private readonly givenCards = new Map<string, string>();
  private readonly viewportRunners = new Map<string, LatestRunner>();
  /** explicit runs (API, whole slide) per model; viewport runs wait while one is active */
  private readonly explicit = new Map<string, AbortController>();
  private ctx: SlideContext | null = null;
  private truth: GroundTruth | null = null;
  private readonly mainLayer: HeatmapLayer;
  private compareViewer: SlideViewer | null = null;
  private compareLayer: HeatmapLayer | null = null;
  private readonly sync = new ViewSync();
  private viewTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly saveTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly statsTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private db: Promise<ResultsDb | null> | null = null;
  private modelsLoaded: Promise<ModelEntry[]> | null = null;
  private readonly maxViewportPatches: number;

  constructor(
    readonly slides: SlideSession,
    private readonly options: AnalysisSessionOptions = {},
  ) {
    this.maxViewportPatches = options.maxViewportPatches ?? 600;
    this.mainLayer = new HeatmapLayer(slides.viewer, () => this.layerContent('left'));
    appStore.subscribe((s, prev) => this.onAppState(s, prev));
    analysisStore.subscribe((s, prev) => this.onAnalysisState(s, prev));
  }

  // ---------------------------------------------------------------- models and runtimes

  loadModels(): Promise<ModelEntry[]> {
    this.modelsLoaded ??= fetchModels(this.options.modelsBase ?? '/models/').then(
      (models) => {
        const [, right] = defaultComparePair(models);
        setAnalysis({
          models,
          modelsError: null,
          model: getAnalysis().model ?? defaultModel(models),
          right: getAnalysis().right ?? right,
        });
        return models;
      },
      (e) => {
        this.modelsLoaded = null;
        setAnalysis({ modelsError: message(e) });
        throw e;
      },
    );
    return this.modelsLoaded;
  }

  /**
   * Adds a model from a URL the user gives: a model directory (with card.json) or a model.json URL
   * with its card (JSON text or object). Validated like the served ones; returns its id.
   */
  async addModel(url: string, card?: string | object): Promise<string> {
    const models = await this.loadModels();
    let parsed: ModelCard;
    if (card !== undefined) {
      parsed =
        typeof card === 'string'
          ? parseModelCardText(card, 'given card')
          : parseModelCard(card, 'given card');
    } else {
      const dir = url.replace(/[^/]*\.json$/, '').replace(/\/?$/, '/');
      const res = await fetch(`${dir}card.json`);
      if (!res.ok) throw new Error(`No card.json next to ${url} (HTTP ${res.status}); give the card too.`);
      parsed = parseModelCardText(await res.text(), `${dir}card.json`);
    }
    const entry: ModelEntry = { id: parsed.id, url, card: parsed, error: null };
    const cardJson = JSON.stringify(parsed);
    this.givenCards.set(parsed.id, cardJson);
    const rest = models.filter((m) => m.id !== parsed.id);
    this.modelsLoaded = Promise.resolve([...rest, entry]);
    this.runtimes
      .get(parsed.id)
      ?.handle.then((h) => h.terminate())
      .catch(() => {});
    this.runtimes.delete(parsed.id);
    setAnalysis({ models: [...rest, entry] });
    return parsed.id;
  }

  /** Reloads the model list (new models appear without a page reload). */
  reloadModels(): Promise<ModelEntry[]> {
    this.modelsLoaded = null;
    return this.loadModels();
  }

  private async entry(modelId: string): Promise<ModelEntry> {
    const models = await this.loadModels();
    const m = models.find((x) => x.id === modelId);
    if (!m) throw new Error(`No model "${modelId}"; have ${models.map((x) => x.id).join(', ') || 'none'}.`);
    if (!m.card) throw new Error(`Model "${modelId}" has an unusable card: ${m.error}`);
    return m;
  }

  private setRuntimeInfo(modelId: string, info: AnalysisState['runtimes'][string]): void {
    setAnalysis({ runtimes: { ...getAnalysis().runtimes, [modelId]: info } });
  }

  /** The model's inference worker, started on first use with the chosen backend. */
  runtime(modelId: string, backend: BackendChoice = getAnalysis().backend): Promise<InferenceHandle> {
    const existing = this.runtimes.get(modelId);
    if (existing && existing.backend === backend) return existing.handle;
    if (existing) {
      this.cancelModel(modelId);
      void existing.handle.then((h) => h.terminate()).catch(() => {});
    }
    this.setRuntimeInfo(modelId, { status: 'loading', backend: null, decision: null, error: null });
    const handle = (async () => {
      const entry = await this.entry(modelId);
      const h = await startInference(entry.url, { backend, card: this.givenCards.get(modelId) });
      const d = h.decision;
      this.setRuntimeInfo(modelId, { status: 'ready', backend: d.chosen, decision: d, error: null });
      if (backend !== 'auto' && d.chosen !== backend) {
        const why = d.timings.find((t) => t.backend === backend)?.error ?? 'not available in this browser';
        this.notice(
          'warning',
          `${backend === 'webgpu' ? 'WebGPU' : backend} could not run ${modelId} (${why}); using ${d.chosen} instead.`,
        );
      }
      return h;
    })();
    this.runtimes.set(modelId, { backend, handle });
    handle.catch((e) => {
      if (this.runtimes.get(modelId)?.handle === handle) this.runtimes.delete(modelId);
      this.setRuntimeInfo(modelId, { status: 'error', backend: null, decision: null, error: message(e) });
      this.notice('error', `Model "${modelId}" could not be loaded: ${message(e)}`);
    });
    return handle;
  }

  setBackend(backend: BackendChoice): void {
    if (getAnalysis().backend === backend) return;
    setAnalysis({ backend });
  }

  // ---------------------------------------------------------------- slide context

  private onAppState(s: AppState, prev: AppState): void {
    const slide = this.slides.viewer.slide;
    const mpp = s.metadata?.mpp ?? null;
    if (s.status !== 'ready' || !slide || !s.metadata) {
      if (this.ctx) this.resetSlide();
      return;
    }
    if (this.ctx && this.ctx.slide === slide && this.ctx.mpp === mpp) return;
    if (this.ctx) this.resetSlide();
    if (mpp === null) return; // asked for by the mpp prompt; analysis waits
    this.ctx = this.makeContext(slide, s.metadata, mpp);
    void this.tissue(this.ctx);
    if (prev.status !== 'ready' || prev.metadata?.name !== s.metadata.name) void this.loadSidecarTruth();
    if (this.compareViewer && getAnalysis().compare) void this.openCompareSlide();
    this.mainLayer.refresh();
    this.scheduleViewportAnalysis();
  }

  private makeContext(slide: ViewerSlide, metadata: SlideMetadata, mpp: number): SlideContext {
    const meta = { ...metadata, mpp };
    const source: SlideSource = {
      metadata: meta,
      readRegion: (r: RegionRequest) => slide.readRegion(r),
      getTile: () => Promise.reject(new Error('not used by analysis')),
      close: () => {},
    };
    return {
      slide,
      source,
      metadata: meta,
      mpp,
      stores: new Map(),
      pendingStores: new Map(),
      tissue: null,
      contextCaches: new Map(),
      fingerprint: slideFingerprint(meta).catch(() => null),
    };
  }

  private resetSlide(): void {
    this.cancelAll();
    this.ctx = null;
    this.truth = null;
    setAnalysis({ jobs: {}, stats: {}, groundTruth: null });
    this.mainLayer.refresh();
    this.compareLayer?.refresh();
  }

  private requireContext(): SlideContext {
    const s = getState();
    if (s.status !== 'ready' || !s.metadata) throw new Error('No slide is open.');
    if (s.metadata.mpp === null) {
      setState({ mppPromptOpen: true });
      const m = 'This slide does not say its resolution (µm per pixel); enter it to run an analysis.';
      this.notice('warning', m);
      throw new Error(m);
    }
    if (!this.ctx) this.onAppState(s, s);
    if (!this.ctx) throw new Error('No slide is open.');
    return this.ctx;
  }

  private tissue(ctx: SlideContext): Promise<TissueMask | null> {
    ctx.tissue ??= detectTissue(ctx.source).catch(() => null);
    return ctx.tissue;
  }

  private contextCache(ctx: SlideContext, g: PatchGeometry): ContextCache | null {
    if (g.contextMpp === undefined) return null;
    const ds = g.contextMpp / ctx.mpp;
    let cache = ctx.contextCaches.get(ds);
    if (!cache) {
      cache = new ContextCache(ctx.source, { contextDownsample: ds });
      ctx.contextCaches.set(ds, cache);
    }
    return cache;
  }

  /** decoded slide pixels per context pixel, over every context cache of this slide */
  contextCacheStats(): { decodedPerOutputPixel: number; blockHits: number; blockMisses: number } | null {
    if (!this.ctx) return null;
    let decoded = 0;
    let out = 0;
    let hits = 0;
    let misses = 0;
    for (const c of this.ctx.contextCaches.values()) {
      decoded += c.stats.decodedPixels;
      out += c.stats.outputPixels;
      hits += c.stats.blockHits;
      misses += c.stats.blockMisses;
    }
    return { decodedPerOutputPixel: out ? decoded / out : 0, blockHits: hits, blockMisses: misses };
  }

  // ---------------------------------------------------------------- stores and persistence

  private persistKey(entry: ModelEntry): string {
    return `${entry.id}@${entry.card?.exportedAt ?? ''}`;
  }

  private openDb(): Promise<ResultsDb | null> {
    this.db ??= openResultsDb().catch(() => null);
    return this.db;
  }

  /** The model's store for the open slide: in memory, else restored from IndexedDB, else new. */
  private async store(
    ctx: SlideContext,
    modelId: string,
    handle: InferenceHandle,
  ): Promise<ProbabilityStore> {
    const have = ctx.stores.get(modelId);
    if (have) return have;
    let pending = ctx.pendingStores.get(modelId);
    if (!pending) {
      pending = (async () => {
        const g = handle.geometry;
        const info = {
          modelId,
          targetMpp: g.targetMpp,
          slideMpp: ctx.mpp,
          targetSize: g.targetSize,
          margin: keepMarginFor(g.targetSize),
        };
        const restored = await this.restore(ctx, await this.entry(modelId), info);
        const store = restored ?? new ProbabilityStore(info);
        if (this.ctx === ctx) ctx.stores.set(modelId, store);
        return store;
      })();
      ctx.pendingStores.set(modelId, pending);
    }
    return pending;
  }

  private async restore(
    ctx: SlideContext,
    entry: ModelEntry,
    info: ProbabilityStore['info'],
  ): Promise<ProbabilityStore | null> {
    try {
      const [db, fp] = await Promise.all([this.openDb(), ctx.fingerprint]);
      if (!db || !fp) return null;
      const saved = await db.get('results', [fp, this.persistKey(entry)]);
      if (!saved) return null;
      const same = (Object.keys(info) as (keyof typeof info)[]).every((k) => saved.info[k] === info[k]);
      return same ? deserializeStore(saved) : null;
    } catch {
      return null;
    }
  }

  /** Saves the model's store to IndexedDB: now (resolves when written) or debounced. */
  private async scheduleSave(modelId: string, immediately = false): Promise<void> {
    clearTimeout(this.saveTimers.get(modelId));
    const ctx = this.ctx;
    if (!ctx) return;
    const save = async () => {
      this.saveTimers.delete(modelId);
      const store = ctx.stores.get(modelId);
      if (!store || store.cellCount === 0) return;
      try {
        const [db, fp, entry] = await Promise.all([this.openDb(), ctx.fingerprint, this.entry(modelId)]);
        if (!db || !fp) return;
        const record: SavedResult = { ...serializeStore(fp, store, null), modelId: this.persistKey(entry) };
        await db.put('results', record);
      } catch (e) {
        this.notice('warning', `Could not save the ${modelId} heatmap in this browser: ${message(e)}`);
      }
    };
    if (immediately) await save();
    else
      this.saveTimers.set(
        modelId,
        setTimeout(() => void save(), SAVE_DEBOUNCE_MS),
      );
  }

  /** Forgets a model's results for this slide (memory and IndexedDB). */
  async clearResults(modelId: string): Promise<void> {
    const ctx = this.requireContext();
    this.cancelModel(modelId);
    ctx.stores.get(modelId)?.clear();
    const [db, fp] = await Promise.all([this.openDb(), ctx.fingerprint]);
    if (db && fp) await db.delete('results', [fp, this.persistKey(await this.entry(modelId))]);
    this.updateStats(modelId, true);
    this.refreshLayers();
  }

  /** The store of a model for the open slide if it has been created (null otherwise). */
  storeOf(modelId: string): ProbabilityStore | null {
    return this.ctx?.stores.get(modelId) ?? null;
  }

  // ---------------------------------------------------------------- runs

  private planOptions(
    ctx: SlideContext,
    handle: InferenceHandle,
    store: ProbabilityStore,
    tissue: TissueMask | null,
  ): PlanOptions {
    return {
      slide: ctx.metadata,
      slideMpp: ctx.mpp,
      geometry: handle.geometry,
      keepMargin: store.info.margin,
      tissue,
      isCached: (c, r) => store.has(c, r),
    };
  }

  private setJob(modelId: string, job: JobInfo | null): void {
    const jobs = { ...getAnalysis().jobs };
    if (job) jobs[modelId] = job;
    else delete jobs[modelId];
    setAnalysis({ jobs });
  }

  /** Plans and runs one model over a region; the shared core of viewport, region and slide runs. */
  private async run(
    modelId: string,
    region: AnalysisRegion,
    mode: JobInfo['mode'],
    signal: AbortSignal,
    viewer: SlideViewer = this.slides.viewer,
  ): Promise<AnalyzeResult> {
    const ctx = this.requireContext();
    // the worker starts while the thumbnail is read for tissue detection
    const [handle, tissue] = await Promise.all([this.runtime(modelId), this.tissue(ctx)]);
    const store = await this.store(ctx, modelId, handle);
    if (signal.aborted) throw signal.reason;
    const o = this.planOptions(ctx, handle, store, tissue);
    let plan: Plan;
    if (region === 'slide') plan = planWholeSlide(o);
    else if (region === 'viewport') {
      const rect = viewerImageRect(viewer);
      if (!rect) throw new Error('No slide is open.');
      plan = planViewport(rect, o);
    } else {
      for (const k of ['x', 'y', 'width', 'height'] as const)
        if (!Number.isFinite(region[k])) throw new RangeError(`region.${k} must be a finite number`);
      plan = planArea(region, { x: region.x + region.width / 2, y: region.y + region.height / 2 }, o);
    }
    let patches = plan.patches;
    if (mode === 'viewport' && patches.length > this.maxViewportPatches) {
      patches = patches.slice(0, this.maxViewportPatches);
      this.notice(
        'info',
        `Showing the ${this.maxViewportPatches} patches nearest the centre; zoom in, or run the whole slide.`,
      );
    }
    const started = performance.now();
    const onProgress = (p: Progress) => {
      this.setJob(modelId, {
        model: modelId,
        mode,
        done: p.done + plan.cached,
        total: p.total + plan.cached,
        cached: p.cached + plan.cached,
        rate: p.rate,
        etaMs: p.etaMs,
        elapsedMs: p.elapsedMs,
        running: true,
      });
    };
    let result: Awaited<ReturnType<typeof runAnalysis>>;
    try {
      result = await runAnalysis({
        source: ctx.source,
        slideMpp: ctx.mpp,
        spec: handle.spec,
        geometry: handle.geometry,
        patches,
        predictor: handle,
        store,
        contextCache: this.contextCache(ctx, handle.geometry),
        signal,
        onProgress,
        onBatch: () => {
          this.refreshLayers(modelId);
          this.updateStats(modelId);
        },
      });
    } finally {
      const job = getAnalysis().jobs[modelId];
      if (job) this.setJob(modelId, { ...job, running: false });
    }
    if (result.fallbacks.length > 0) {
      this.notice(
        'warning',
        `The ${handle.decision.lost.join(', ')} device was lost during the analysis; it continued on ${result.fallbacks.at(-1)}.`,
      );
      this.setRuntimeInfo(modelId, {
        status: 'ready',
        backend: result.fallbacks.at(-1) ?? null,
        decision: handle.decision,
        error: null,
      });
    }
    if (result.done > result.cached) await this.scheduleSave(modelId, mode !== 'viewport');
    this.updateStats(modelId, true);
    this.refreshLayers(modelId);
    const stats = this.stats(modelId)!;
    const summary = buildSummary({
      store,
      slide: ctx.metadata,
      modelName: (await this.entry(modelId)).card!.name,
      backend: this.backendOf(modelId) ?? handle.decision.chosen,
      elapsedMs: performance.now() - started,
      patches: result.done - result.cached,
      threshold: getAnalysis().threshold,
      metrics: this.truth
        ? segmentationMetrics(store, this.truth.truth, { threshold: getAnalysis().threshold })
        : null,
      fingerprint: await ctx.fingerprint,
    });
    return { ...summary, stats, background: plan.background, fallbacks: result.fallbacks };
  }

  private backendOf(modelId: string): string | null {
    return getAnalysis().runtimes[modelId]?.backend ?? null;
  }

  /**
   * Analyses `region` with `modelId` (an explicit run: the API, or the whole-slide button). Viewport
   * runs of that model pause meanwhile. Rejects with an AbortError when cancelled.
   */
  async analyze(
    modelId: string,
    region: AnalysisRegion = 'viewport',
    options: { backend?: BackendChoice; signal?: AbortSignal; viewer?: SlideViewer } = {},
  ): Promise<AnalyzeResult> {
    if (options.backend) this.setBackend(options.backend);
    this.cancelModel(modelId);
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.explicit.set(modelId, controller);
    try {
      return await this.run(
        modelId,
        region,
        region === 'slide' ? 'slide' : 'region',
        controller.signal,
        options.viewer,
      );
    } catch (e) {
      if (!isAbortError(e) && !controller.signal.aborted)
        this.notice('error', `Analysis with ${modelId} failed: ${message(e)}`);
      throw e;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (this.explicit.get(modelId) === controller) this.explicit.delete(modelId);
    }
  }

  /** Whole-slide analysis of the shown model(s), for the button; progress in analysisStore.jobs. */
  async analyzeWholeSlide(): Promise<void> {
    const a = getAnalysis();
    const models = [a.model, a.compare ? a.right : null].filter((m): m is string => !!m);
    for (const m of models) {
      try {
        const r = await this.analyze(m, 'slide');
        this.notice(
          'info',
          `Whole slide with ${m}: ${r.patches} patches in ${(r.elapsedMs / 1000).toFixed(1)} s, tumour ${r.tumourAreaMm2.toFixed(3)} mm².`,
        );
      } catch (e) {
        if (isAbortError(e)) return;
      }
    }
  }

  private cancelModel(modelId: string): void {
    this.explicit.get(modelId)?.abort(new DOMException('cancelled', 'AbortError'));
    this.explicit.delete(modelId);
    this.viewportRunners.get(modelId)?.cancel();
  }

  /** Cancels every run in progress (viewport and explicit). */
  cancelAll(): void {
    for (const id of [...this.explicit.keys(), ...this.viewportRunners.keys()]) this.cancelModel(id);
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.viewTimer = null;
  }

  /** Models shown now, with the viewer each one is shown in. */
  private shownModels(): { model: string; viewer: SlideViewer }[] {
    const a = getAnalysis();
    if (!a.heatmapVisible && !(a.compare && this.compareViewer)) return [];
    const out: { model: string; viewer: SlideViewer }[] = [];
    if (a.model && a.heatmapVisible) out.push({ model: a.model, viewer: this.slides.viewer });
    if (a.compare && this.compareViewer) {
      if (a.model && !a.heatmapVisible) out.push({ model: a.model, viewer: this.slides.viewer });
      if (a.right) out.push({ model: a.right, viewer: this.compareViewer });
    }
    return out;
  }

  /** Debounced: analyses the viewport for every shown model (cancelling stale runs). */
  scheduleViewportAnalysis(): void {
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => {
      this.viewTimer = null;
      this.runViewport();
    }, VIEW_DEBOUNCE_MS);
  }

  /** While > 0, pan/zoom does not start viewport runs (compare() analyses one region for both). */
  viewportPaused = 0;

  private runViewport(): void {
    if (!this.ctx || this.viewportPaused > 0) return;
    for (const { model, viewer } of this.shownModels()) {
      if (this.explicit.has(model)) continue;
      let runner = this.viewportRunners.get(model);
      if (!runner) {
        runner = new LatestRunner();
        this.viewportRunners.set(model, runner);
      }
      runner
        .run((signal) => this.run(model, 'viewport', 'viewport', signal, viewer))
        .catch((e) => {
          if (!isAbortError(e)) this.notice('error', `Analysis with ${model} failed: ${message(e)}`);
        });
    }
  }

  // ---------------------------------------------------------------- heatmap, compare, viewers

  private onAnalysisState(s: AnalysisState, prev: AnalysisState): void {
    if (s.backend !== prev.backend) {
      for (const [id, rt] of this.runtimes) {
        this.cancelModel(id);
        void rt.handle.then((h) => h.terminate()).catch(() => {});
      }
      this.runtimes.clear();
      setAnalysis({ runtimes: {} });
    }
    if (
      s.heatmapVisible !== prev.heatmapVisible ||
      s.showTruth !== prev.showTruth ||
      s.compare !== prev.compare
    ) {
      this.mainLayer.setVisible(s.heatmapVisible || s.compare || (s.showTruth && !!this.truth));
    }
    if (s.compare !== prev.compare) void this.setCompareView(s.compare);
    if (s.lock !== prev.lock) {
      this.sync.locked = s.lock;
      if (s.lock) this.pushView('left');
    }
    const style = [
      'colormap',
      'opacity',
      'threshold',
      'outline',
      'showTruth',
      'difference',
      'heatmapVisible',
      'compare',
    ] as const;
    if (style.some((k) => s[k] !== prev[k]) || s.model !== prev.model || s.right !== prev.right)
      this.refreshLayers();
    if (
      s.heatmapVisible !== prev.heatmapVisible ||
      s.model !== prev.model ||
      s.right !== prev.right ||
      s.compare !== prev.compare ||
      s.backend !== prev.backend
    ) {
      if (s.model !== prev.model && prev.model) this.viewportRunners.get(prev.model)?.cancel();
      if (s.right !== prev.right && prev.right) this.viewportRunners.get(prev.right)?.cancel();
      this.scheduleViewportAnalysis();
      for (const m of [s.model, s.right]) if (m) this.updateStats(m, true);
    }
  }

  setHeatmapVisible(visible: boolean): void {
    if (visible && !getAnalysis().model) {
      void this.loadModels()
        .then(() => setAnalysis({ heatmapVisible: true }))
        .catch((e) => this.notice('error', `No models: ${message(e)}`));
      return;
    }
    setAnalysis({ heatmapVisible: visible });
  }

  toggleHeatmap(): void {
    this.setHeatmapVisible(!getAnalysis().heatmapVisible);
  }

  private style(): TileStyle {
    const a = getAnalysis();
    return { colormap: a.colormap, opacity: a.opacity, threshold: a.outline ? a.threshold : null };
  }

  private layerContent(side: 'left' | 'right'): LayerContent | null {
    const a = getAnalysis();
    const truth = a.showTruth && this.truth ? this.truth.sampler : null;
    const ctx = this.ctx;
    let sampler: Sampler | null = null;
    let style = this.style();
    if (ctx) {
      if (side === 'left' && (a.heatmapVisible || a.compare) && a.model) {
        const s = ctx.stores.get(a.model);
        if (s) sampler = storeSampler(s);
      } else if (side === 'right' && a.right) {
        const r = ctx.stores.get(a.right);
        const l = a.model ? ctx.stores.get(a.model) : undefined;
        if (a.difference && r && l) {
          // MRN (right) − U-Net (left): red where the right model says tumour more
          sampler = differenceSampler(r, l);
          style = { colormap: 'RdBu', opacity: Math.max(a.opacity, 0.7), domain: [-1, 1], hideBelow: -2 };
        } else if (r) sampler = storeSampler(r);
      }
    }
    return sampler || truth ? { sampler, style, truth } : null;
  }

  private refreshLayers(modelId?: string): void {
    const a = getAnalysis();
    if (!modelId || modelId === a.model || (a.difference && modelId === a.right)) this.mainLayer.refresh();
    if (!modelId || modelId === a.right || (a.difference && modelId === a.model))
      this.compareLayer?.refresh();
  }

  private async setCompareView(on: boolean): Promise<void> {
    document.body.classList.toggle('compare', on);
    if (!on) {
      if (getAnalysis().right) this.viewportRunners.get(getAnalysis().right!)?.cancel();
      this.compareLayer?.setVisible(false);
      this.compareViewer?.close();
      return;
    }
    if (!this.compareViewer) {
      if (!this.options.createCompareViewer) throw new Error('compare view is not available');
      this.compareViewer = this.options.createCompareViewer();
      this.compareLayer = new HeatmapLayer(this.compareViewer, () => this.layerContent('right'));
    }
    await this.openCompareSlide();
  }

  private async openCompareSlide(): Promise<void> {
    const slide = this.slides.viewer.slide;
    const viewer = this.compareViewer;
    if (!slide || !viewer) return;
    if (viewer.slide !== slide) {
      this.sync.reset();
      await viewer.open(slide, performance.now(), this.slides.viewer.getView(false));
    }
    this.compareLayer?.setVisible(true);
    this.compareLayer?.refresh();
    this.scheduleViewportAnalysis();
  }

  /** Overlay state of both viewers (tests: the overlay is there and redrawn as patches land). */
  layers(): { main: ReturnType<HeatmapLayer['info']>; compare: ReturnType<HeatmapLayer['info']> | null } {
    return { main: this.mainLayer.info(), compare: this.compareLayer?.info() ?? null };
  }

  /** Resolves when the compare viewer has drawn its view (tests, screenshots). */
  async compareReady(): Promise<void> {
    if (this.compareViewer?.slide) await this.compareViewer.whenFullyLoaded();
  }

  /** Main viewer moved (wired in main.tsx). */
  onMainView(v: ViewState): void {
    if (this.compareViewer?.slide && getAnalysis().compare)
      this.sync.moved('left', v, (w) => this.compareViewer?.setView(w, true));
    this.scheduleViewportAnalysis();
  }

  /** Compare viewer moved. */
  onCompareView(v: ViewState): void {
    if (getAnalysis().compare) this.sync.moved('right', v, (w) => this.slides.viewer.setView(w, true));
    this.scheduleViewportAnalysis();
  }

  private pushView(from: 'left' | 'right'): void {
    const a = from === 'left' ? this.slides.viewer : this.compareViewer;
    const b = from === 'left' ? this.compareViewer : this.slides.viewer;
    const v = a?.getView(false);
    if (v && b?.slide) b.setView(v, true);
  }

  /** Split view with `left` and `right` models (defaults: U-Net left, MRN right). */
  async setCompare(on: boolean, models: { left?: string; right?: string } = {}): Promise<void> {
    const list = await this.loadModels();
    const [unet, mrn] = defaultComparePair(list);
    if (on) {
      setAnalysis({
        model: models.left ?? unet ?? getAnalysis().model,
        right: models.right ?? mrn ?? getAnalysis().right,
        compare: true,
      });
      if (!this.compareViewer?.slide) await this.setCompareView(true);
    } else setAnalysis({ compare: false });
  }

  // ---------------------------------------------------------------- ground truth

  private async loadSidecarTruth(): Promise<void> {
    // SlideSession writes ?slide= right after announcing 'ready'
    await new Promise((r) => setTimeout(r, 0));
    const slideUrl = new URLSearchParams(window.location.search).get('slide');
    const url = slideUrl ? sidecarUrl(slideUrl) : null;
    if (!url || this.truth) return;
    try {
      const res = await fetch(url);
      if (!res.ok || !/json/.test(res.headers.get('content-type') ?? '')) return;
      const text = await res.text();
      if (new URLSearchParams(window.location.search).get('slide') !== slideUrl) return;
      this.setTruthFromText(text, url.split('/').pop() ?? 'ground truth');
    } catch {
      // no sidecar: nothing to compare against
    }
  }

  /** Ground truth from an annotation file's text (ASAP XML, GeoJSON, NCRF JSON); level-0 coordinates. */
  setTruthFromText(text: string, name: string): { name: string; regions: number } {
    const ctx = this.requireContext();
    const set = parseAnnotations(text, name);
    if (set.regions.length === 0) throw new Error(`${name} has no regions`);
    this.truth = groundTruthFromAnnotations(set, ctx.metadata, name);
    const info = { name, regions: set.regions.length };
    setAnalysis({ groundTruth: info });
    const a = getAnalysis();
    this.mainLayer.setVisible(a.heatmapVisible || a.compare || a.showTruth);
    this.refreshLayers();
    for (const id of Object.keys(a.stats)) this.updateStats(id, true);
    return info;
  }

  clearTruth(): void {
    this.truth = null;
    setAnalysis({ groundTruth: null });
    this.refreshLayers();
  }

  // ---------------------------------------------------------------- stats, sampling, exports

  stats(modelId: string): HeatmapStats | null {
    const store = this.storeOf(modelId);
    if (!store) return null;
    return heatmapStats(store, {
      threshold: getAnalysis().threshold,
      backend: this.backendOf(modelId),
      truth: this.truth?.truth ?? null,
    });
  }

  private updateStats(modelId: string, now = false): void {
    if (!now) {
      if (this.statsTimers.has(modelId)) return;
      this.statsTimers.set(
        modelId,
        setTimeout(() => {
          this.statsTimers.delete(modelId);
          this.updateStats(modelId, true);
        }, STATS_THROTTLE_MS),
      );
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
    const v = this.storeOf(modelId)?.sampleLevel0(x, y);
    return v === undefined || Number.isNaN(v) ? null : v;
  }

  private requireStore(modelId: string): ProbabilityStore {
    const store = this.storeOf(modelId);
    if (!store || store.cellCount === 0)
      throw new Error(`No ${modelId} heatmap for this slide yet; run an analysis first.`);
    return store;
  }

  regions(modelId: string): RegionCollection {
    return tumourRegions(this.requireStore(modelId), { threshold: getAnalysis().threshold, minAreaUm2: 100 });
  }

  heatmapPng(modelId: string, maxSize = 2048): Uint8Array {
    const ctx = this.requireContext();
    const a = getAnalysis();
    return overviewPng(this.requireStore(modelId), ctx.metadata, {
      maxSize,
      colormap: a.colormap,
      threshold: a.outline ? a.threshold : null,
    });
  }

  async summary(modelId: string): Promise<AnalysisSummary> {
    const ctx = this.requireContext();
    const store = this.requireStore(modelId);
    const job = getAnalysis().jobs[modelId];
    const regions = this.regions(modelId);
    return buildSummary({
      store,
      slide: ctx.metadata,
      modelName: (await this.entry(modelId)).card!.name,
      backend: this.backendOf(modelId) ?? 'unknown',
      elapsedMs: job?.elapsedMs ?? 0,
      patches: store.cellCount,
      threshold: getAnalysis().threshold,
      regions,
      metrics: this.truth
        ? segmentationMetrics(store, this.truth.truth, { threshold: getAnalysis().threshold })
        : null,
      fingerprint: await ctx.fingerprint,
    });
  }

  async summaryText(modelId: string, format: 'json' | 'csv'): Promise<string> {
    const s = await this.summary(modelId);
    return format === 'json' ? summaryToJson(s) : summaryToCsv(s);
  }

  /** A file name stem: slide name + model. */
  exportName(modelId: string): string {
    const name = getState().metadata?.name ?? 'slide';
    return `${name.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_')}.${modelId}`;
  }

  private notice(kind: 'error' | 'warning' | 'info', text: string): void {
    setState({ notice: { kind, message: text } });
  }

  /** Reads the slide as the analysis does (tests: alignment against test-pattern). */
  readRegion(r: RegionRequest): Promise<RgbaImage> {
    return this.requireContext().source.readRegion(r);
  }
}
