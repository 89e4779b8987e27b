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
// ground-truth-state (truth, sidecar), analysis-exports (stats, files), batch-results (stored
// results); analysis-wiring builds them and connects each to the hooks it needs.

import type { BatchResult } from '../../heatmap/batch-result';
import type { BackendChoice } from '../../inference/backend-types';
import type { FlipCount } from '../../inference/flip-count';
import type { RegionRequest, RgbaImage } from '../../slide/slide-types';
import type { ViewState } from '../../viewer/view-math';
import type { SlideViewer } from '../../viewer/viewer-controller';
import type { StoredResultInfo } from '../analysis-store';
import { getState } from '../app-store';
import type { AnalysisDisplay } from './analysis-display';
import { type AnalysisExports, exportName } from './analysis-exports';
import type { AnalysisRegion, AnalyzeResult } from './analysis-runs';
import { type AnalysisParts, type AnalysisSessionOptions, wireAnalysis } from './analysis-wiring';
import type { MaskOptions, TruthInfo } from './ground-truth-state';
import type { HeatmapViews } from './heatmap-views';
import type { ModelRuntimes } from './model-runtimes';
import { notifyUser } from './notify';
import type { OnnxImport } from './onnx-import';
import { type ContextCacheStats, contextCacheStats, type SlideContext } from './slide-context';

export type { AnalysisRegion, AnalysisSessionOptions, AnalyzeResult };

export class AnalysisSession {
  readonly models: ModelRuntimes;
  readonly exports: AnalysisExports;
  readonly display: AnalysisDisplay;
  /** .onnx files and URLs converted in the page (analysis.models.addModel dispatches .onnx URLs here) */
  readonly onnx: OnnxImport;
  private readonly p: AnalysisParts;

  constructor(
    readonly slides: { readonly viewer: SlideViewer },
    options: AnalysisSessionOptions,
  ) {
    this.p = wireAnalysis(slides.viewer, options);
    ({ models: this.models, exports: this.exports, display: this.display, onnx: this.onnx } = this.p);
  }

  /** Stops following the app and stops the workers (tests; the page keeps its session). */
  dispose(): void {
    this.p.dispose();
  }

  // ------------------------------------------------ runs

  analyze(
    modelId: string,
    region: AnalysisRegion = 'viewport',
    options: {
      backend?: BackendChoice;
      signal?: AbortSignal;
      cascade?: boolean;
      tileSize?: number | null;
      flips?: FlipCount | null;
    } = {},
  ): Promise<AnalyzeResult> {
    return this.p.runs.analyze(modelId, region, { ...options, viewer: this.slides.viewer });
  }

  /** Whole-slide analysis of the shown model(s), for the button; progress in analysisStore.jobs. */
  analyzeWholeSlide(): Promise<void> {
    return this.p.runs.analyzeWholeSlide(this.display.shownIds(), this.slides.viewer);
  }

  /** Runs `task` with no viewport runs meanwhile (compare() analyses one region for both models). */
  async withViewportPaused<T>(task: () => Promise<T>): Promise<T> {
    this.p.runs.viewportPaused++;
    try {
      return await task();
    } finally {
      this.p.runs.viewportPaused--;
      this.p.runs.scheduleViewport();
    }
  }

  /** Cancels every run in progress (viewport and explicit). */
  cancelAll(): void {
    this.p.runs.cancelAll();
  }

  /** Forgets a model's results for this slide (memory and IndexedDB; a batch result too). */
  async clearResults(modelId: string): Promise<void> {
    const ctx = this.context();
    this.p.runs.cancelModel(modelId);
    this.p.batch.forget(ctx, modelId);
    await this.p.cache.clear(ctx, modelId);
    this.exports.publishStats(modelId, true);
    this.p.views.refresh();
  }

  // ------------------------------------------------ batch results

  /**
   * Opens batch results over the open slide: a results URL (…/<slide-name>/ or one model's folder)
   * or dropped files (their result folders). Shows the stored heatmaps; nothing is recomputed.
   */
  openResults(input: string | File[] | BatchResult[], signal?: AbortSignal): Promise<StoredResultInfo[]> {
    return this.p.batch.open(input, signal);
  }

  /** The deep link's `&results=` over the slide it opened (errors go to the notice); null without one. */
  openResultsFromUrl(): Promise<StoredResultInfo[] | null> | null {
    return this.p.batch.openFromUrl();
  }

  // ------------------------------------------------ viewers (wired in main.tsx)

  onMainView(v: ViewState): void {
    this.p.views.onMainView(v);
    this.p.runs.scheduleViewport();
  }

  onCompareView(v: ViewState): void {
    this.p.views.onCompareView(v);
    this.p.runs.scheduleViewport();
  }

  layers(): ReturnType<HeatmapViews<SlideViewer>['layers']> {
    return this.p.views.layers();
  }

  compareReady(): Promise<void> {
    return this.p.views.compareReady();
  }

  // ------------------------------------------------ ground truth and the open slide

  /** Ground truth from an annotation file's text (ASAP XML, GeoJSON, NCRF JSON; level-0 coordinates). */
  setTruthFromText(text: string, name: string): TruthInfo {
    return this.p.truth.set(text, name, this.context().metadata);
  }

  /**
   * As setTruthFromText, but on a slide that does not say its mpp (a plain image) the annotation
   * waits for the mpp prompt, then attaches, as a label mask does (src/state/analysis/truth-waits.ts).
   */
  async setTruthFromTextWhenReady(text: string, name: string): Promise<TruthInfo> {
    const meta = (await this.p.contextForTruth()).metadata;
    return this.p.truth.set(text, name, meta);
  }

  /**
   * Ground truth from a label-mask image (PNG or TIFF bytes aligned to the slide, non-zero =
   * positive): gland truth, and tumour truth as the grade says (option, or a Grade.csv's row).
   */
  async setTruthFromMask(bytes: Uint8Array, name: string, options: MaskOptions = {}): Promise<TruthInfo> {
    // a plain image has no mpp: the mask waits for the mpp prompt, then attaches
    const meta = (await this.p.contextForTruth()).metadata;
    const info = await this.p.truth.setMask(bytes, name, meta, {
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
    this.p.truth.clear();
  }

  exportName(modelId: string): string {
    return exportName(getState().metadata?.name, modelId);
  }

  contextCacheStats(): ContextCacheStats | null {
    const ctx = this.p.slidesCtx.current;
    return ctx ? contextCacheStats(ctx) : null;
  }

  /** Reads the slide as the analysis does (tests: alignment against test-pattern). */
  readRegion(r: RegionRequest): Promise<RgbaImage> {
    return this.context().source.readRegion(r);
  }

  private context(): SlideContext {
    return this.p.context();
  }
}
