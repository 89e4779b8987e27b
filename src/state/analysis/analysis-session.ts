// In-browser analysis of the open slide, behind one facade. No React: the UI panel and the
// scripting API (src/api/analysis-api.ts) both call its methods, one per user action; nothing else
// writes the analysis store's settings.
//
//   const analysis = new AnalysisSession(slideSession, { createCompareViewer });
//   await analysis.models.loadModels();
//   analysis.display.setHeatmapVisible(true);        // live: the viewport is analysed on pan/zoom
//   await analysis.analyze('mrn-bilinear', 'slide'); // whole slide, with progress in analysisStore
//   analysis.exports.stats('mrn-bilinear');          // HeatmapStats (Dice/IoU with ground truth)
//
// The pieces (one concern each): model-runtimes (models, one worker each), slide-context (the
// open slide's state, aborted on close), result-cache (stores and IndexedDB), analysis-runs (plans,
// runs, jobs), analysis-display (settings), heatmap-views (overlays, split view),
// ground-truth-state (truth, sidecar), analysis-exports (stats, files).

import type { Rect } from '../../geometry/patch-geometry';
import { type BatchResult, readBatchFiles, readBatchResultsUrl } from '../../heatmap/batch-result';
import type { BackendChoice } from '../../inference/backend-types';
import { workerConverter } from '../../inference/onnx-import/convert-client';
import { type ConvertedStore, convertedStore } from '../../inference/onnx-import/converted-store';
import type { OnnxConverter } from '../../inference/onnx-import/onnx-converter';
import type { RegionRequest, RgbaImage } from '../../slide/slide-types';
import type { ViewState } from '../../viewer/view-math';
import type { SlideViewer } from '../../viewer/viewer-controller';
import { getAnalysis, type StoredResultInfo, setAnalysis } from '../analysis-store';
import { appStore, getState, setState } from '../app-store';
import { readUrlState, writeResultsParam } from '../url-state';
import { AnalysisDisplay } from './analysis-display';
import { AnalysisExports, channelOfKey, exportName } from './analysis-exports';
import { type AnalysisRegion, AnalysisRuns, type AnalyzeResult } from './analysis-runs';
import { BatchResults, resultsForSlide } from './batch-results';
import { type FetchText, GroundTruthState, type MaskOptions, type TruthInfo } from './ground-truth-state';
import { HeatmapViews, type LayerFactory, layerContent } from './heatmap-views';
import { browserEngine, type EngineDeps, ModelRuntimes } from './model-runtimes';
import { errorText, notifyUser } from './notify';
import { OnnxImport } from './onnx-import';
import { ResultCache } from './result-cache';
import { type ContextCacheStats, contextCacheStats, type SlideContext, SlideContexts } from './slide-context';

export type { AnalysisRegion, AnalyzeResult };

export interface AnalysisSessionOptions {
  /** builds the right-hand viewer of the split view (called once, on first compare) */
  createCompareViewer?: () => SlideViewer;
  modelsBase?: string;
  /** viewport runs analyse at most this many patches, nearest the centre first */
  maxViewportPatches?: number;
  /** the overlay on a viewer (HeatmapLayer; given by main.tsx so this layer needs no OpenSeadragon) */
  createLayer: LayerFactory<SlideViewer>;
  /** level-0 rectangle a viewer shows (viewerImageRect) */
  viewRect: (viewer: SlideViewer) => Rect | null;
  /** seams for tests: the engine, storage, the sidecar fetch */
  engine?: EngineDeps;
  openDb?: ConstructorParameters<typeof ResultCache>[2];
  fetchSidecar?: FetchText;
  /** ONNX import seams: the converter (a worker in the page) and where converted models are kept */
  onnxConverter?: () => OnnxConverter;
  convertedStore?: ConvertedStore;
}

export class AnalysisSession {
  readonly models: ModelRuntimes;
  readonly exports: AnalysisExports;
  readonly display: AnalysisDisplay;
  /** .onnx files and URLs converted in the page (analysis.models.addModel dispatches .onnx URLs here) */
  readonly onnx: OnnxImport;
  private readonly runs: AnalysisRuns<SlideViewer>;
  private readonly views: HeatmapViews<SlideViewer>;
  private readonly cache: ResultCache;
  private readonly truth: GroundTruthState;
  /** aborted by dispose(): the model list fetch and the workers' loading */
  private readonly lifetime = new AbortController();
  private readonly slidesCtx: SlideContexts;
  private readonly batch: BatchResults;

  constructor(
    readonly slides: { readonly viewer: SlideViewer },
    options: AnalysisSessionOptions,
  ) {
    const o = options;
    const viewer = slides.viewer;
    const engine = o.engine ?? browserEngine;
    const stopRuns = (id: string) => this.runs.cancelModel(id);
    this.models = new ModelRuntimes(
      engine,
      o.modelsBase ?? '/models/',
      notifyUser,
      stopRuns,
      this.lifetime.signal,
    );
    this.onnx = new OnnxImport({
      converter: o.onnxConverter ?? workerConverter,
      store: o.convertedStore ?? convertedStore(),
      models: this.models,
      fetch: (url, init) => fetch(url, init),
      signal: this.lifetime.signal,
    });
    this.models.setOnnxImporter((url, card) => this.onnx.importUrl(url, card));
    void this.onnx.refreshList();
    this.truth = new GroundTruthState(() => {
      this.views.updateMainVisibility(this.truth.any);
      this.views.refresh();
      for (const id of Object.keys(getAnalysis().stats)) this.exports.publishStats(id, true);
    }, o.fetchSidecar);
    const version = async (id: string) => (await this.models.entry(id)).card?.exportedAt ?? '';
    this.cache = new ResultCache(version, notifyUser, o.openDb);
    this.slidesCtx = new SlideContexts(
      {
        shownSlide: () => viewer.slide,
        askForMpp: (m) => {
          setState({ mppPromptOpen: true });
          notifyUser('warning', m);
        },
      },
      () => this.onSlideClosed(),
      (ctx) => this.onSlideOpened(ctx),
    );
    this.batch = new BatchResults({
      context: () => this.context(),
      cancelModel: (id) => this.runs.cancelModel(id),
      show: (id) => {
        setAnalysis({ model: id, heatmapVisible: true });
        this.display.reshow();
      },
      changed: (id) => {
        this.views.refresh(id);
        this.exports.publishStats(id, true);
      },
    });
    this.exports = new AnalysisExports({
      context: () => this.context(),
      stores: () => this.slidesCtx.current?.stores ?? null,
      truth: (channel) => this.truth.truthFor(channel),
      models: {
        // a batch store's stats name the backend the batch ran on
        backendOf: (id) => this.batch.backendOf(this.slidesCtx.current, id) ?? this.models.backendOf(id),
        entry: (id) => this.models.entry(id),
      },
    });
    // the outline drawn is the truth for the channel the side shows
    const content = (side: 'left' | 'right') => {
      const a = getAnalysis();
      const key = side === 'left' ? a.model : a.right;
      const truth = key ? this.truth.truthFor(channelOfKey(key)) : this.truth.truth;
      return layerContent(side, a, this.slidesCtx.current?.stores ?? null, truth?.sampler ?? null, (id) =>
        this.batch.regionsOf(this.slidesCtx.current, id),
      );
    };
    this.views = new HeatmapViews(viewer, content, o.createLayer, o.createCompareViewer);
    this.runs = new AnalysisRuns<SlideViewer>(
      {
        context: () => this.context(),
        models: this.models,
        cache: this.cache,
        exports: this.exports,
        viewRect: o.viewRect,
        // a model showing a batch result is not recomputed as the view moves
        shown: () =>
          this.display.shown().filter((s) => !this.batch.isStored(this.slidesCtx.current, s.model)),
        onLanded: (id, final) => {
          this.views.refresh(id);
          this.exports.publishStats(id, final);
        },
        notify: notifyUser,
        setBackend: (b) => this.display.setBackend(b),
      },
      o.maxViewportPatches,
    );
    this.display = new AnalysisDisplay({
      models: this.models,
      runs: this.runs,
      views: this.views,
      exports: this.exports,
      hasTruth: () => this.truth.any,
      hasSlide: () => this.slidesCtx.current !== null,
      mainViewer: viewer,
      notify: notifyUser,
    });
    this.unsubscribe = appStore.subscribe((s) => this.slidesCtx.sync(s));
    // the app loads the analysis after the viewer: a slide may be open already
    this.slidesCtx.sync(getState());
  }

  private readonly unsubscribe: () => void;

  /** Stops following the app and stops the workers (tests; the page keeps its session). */
  dispose(): void {
    this.unsubscribe();
    this.lifetime.abort(new DOMException('analysis disposed', 'AbortError'));
    this.slidesCtx.close();
    this.models.stopAll();
  }

  // ------------------------------------------------ runs

  analyze(
    modelId: string,
    region: AnalysisRegion = 'viewport',
    options: { backend?: BackendChoice; signal?: AbortSignal } = {},
  ): Promise<AnalyzeResult> {
    return this.runs.analyze(modelId, region, { ...options, viewer: this.slides.viewer });
  }

  /** Whole-slide analysis of the shown model(s), for the button; progress in analysisStore.jobs. */
  analyzeWholeSlide(): Promise<void> {
    return this.runs.analyzeWholeSlide(this.display.shownIds(), this.slides.viewer);
  }

  /** Runs `task` with no viewport runs meanwhile (compare() analyses one region for both models). */
  async withViewportPaused<T>(task: () => Promise<T>): Promise<T> {
    this.runs.viewportPaused++;
    try {
      return await task();
    } finally {
      this.runs.viewportPaused--;
      this.runs.scheduleViewport();
    }
  }

  /** Cancels every run in progress (viewport and explicit). */
  cancelAll(): void {
    this.runs.cancelAll();
  }

  /** Forgets a model's results for this slide (memory and IndexedDB; a batch result too). */
  async clearResults(modelId: string): Promise<void> {
    const ctx = this.context();
    this.runs.cancelModel(modelId);
    this.batch.forget(ctx, modelId);
    await this.cache.clear(ctx, modelId);
    this.exports.publishStats(modelId, true);
    this.views.refresh();
  }

  // ------------------------------------------------ batch results

  /**
   * Opens batch results over the open slide: a results URL (…/<slide-name>/ or one model's folder)
   * or dropped files (their result folders). Shows the stored heatmaps; nothing is recomputed.
   */
  async openResults(
    input: string | File[] | BatchResult[],
    signal?: AbortSignal,
  ): Promise<StoredResultInfo[]> {
    const ctx = this.context();
    let results: BatchResult[];
    if (typeof input === 'string') {
      const knownModels = (await this.models.loadModels().catch(() => [])).map((m) => m.id);
      results = await readBatchResultsUrl(input, { knownModels, signal });
    } else if (input.length > 0 && input[0] instanceof File) results = await readBatchFiles(input as File[]);
    else results = input as BatchResult[];
    if (ctx !== this.slidesCtx.current) throw new Error('The slide changed while its results were read.');
    const { shown, notes } = await this.batch.load(resultsForSlide(results, ctx.metadata));
    if (notes.length) notifyUser('warning', notes.join(' '));
    return shown;
  }

  /** The deep link's `&results=` over the slide it opened (errors go to the notice); null without one. */
  openResultsFromUrl(): Promise<StoredResultInfo[] | null> | null {
    const url = readUrlState().results;
    if (!url || getState().status !== 'ready') return null;
    return this.openResults(url).then(
      (shown) => {
        writeResultsParam(url);
        return shown;
      },
      (e) => {
        notifyUser('error', `The batch results at ${url} could not be opened: ${errorText(e)}`);
        return null;
      },
    );
  }

  // ------------------------------------------------ viewers (wired in main.tsx)

  onMainView(v: ViewState): void {
    this.views.onMainView(v);
    this.runs.scheduleViewport();
  }

  onCompareView(v: ViewState): void {
    this.views.onCompareView(v);
    this.runs.scheduleViewport();
  }

  layers(): ReturnType<HeatmapViews<SlideViewer>['layers']> {
    return this.views.layers();
  }

  compareReady(): Promise<void> {
    return this.views.compareReady();
  }

  // ------------------------------------------------ ground truth and the open slide

  /** Ground truth from an annotation file's text (ASAP XML, GeoJSON, NCRF JSON; level-0 coordinates). */
  setTruthFromText(text: string, name: string): TruthInfo {
    return this.truth.set(text, name, this.context().metadata);
  }

  /**
   * Ground truth from a label-mask image (PNG or TIFF bytes aligned to the slide, non-zero =
   * positive): gland truth, and tumour truth as the grade says (option, or a Grade.csv's row).
   */
  async setTruthFromMask(bytes: Uint8Array, name: string, options: MaskOptions = {}): Promise<TruthInfo> {
    const meta = this.context().metadata;
    const info = await this.truth.setMask(bytes, name, meta, {
      slideName: getState().metadata?.name ?? meta.name,
      ...options,
    });
    if (!info.grade)
      notifyUser(
        'warning',
        `${name}: gland truth only; the image's grade is not known (give its Grade.csv or a grade), so there is no tumour truth.`,
      );
    return info;
  }

  clearTruth(): void {
    this.truth.clear();
  }

  exportName(modelId: string): string {
    return exportName(getState().metadata?.name, modelId);
  }

  contextCacheStats(): ContextCacheStats | null {
    const ctx = this.slidesCtx.current;
    return ctx ? contextCacheStats(ctx) : null;
  }

  /** Reads the slide as the analysis does (tests: alignment against test-pattern). */
  readRegion(r: RegionRequest): Promise<RgbaImage> {
    return this.context().source.readRegion(r);
  }

  private context(): SlideContext {
    return this.slidesCtx.require(getState());
  }

  private onSlideOpened(ctx: SlideContext): void {
    void this.truth.loadSidecar(ctx, () => ctx === this.slidesCtx.current, notifyUser);
    if (this.views.rightViewer) void this.views.openCompareSlide().then(() => this.runs.scheduleViewport());
    this.views.refresh();
    this.runs.scheduleViewport();
  }

  private onSlideClosed(): void {
    this.runs.cancelAll();
    this.truth.clear();
    setAnalysis({ jobs: {}, stats: {}, batchResults: {} });
    this.views.updateMainVisibility(false);
    this.views.refresh();
  }
}
