// How the analysis pieces are wired to each other: each one gets only the hooks it needs from the
// others (see each piece's hooks interface). AnalysisSession (analysis-session.ts) is the facade
// over what this returns; nothing else builds the pieces.

import type { Rect } from '../../geometry/patch-geometry';
import { workerConverter } from '../../inference/onnx-import/convert-client';
import { type ConvertedStore, convertedStore } from '../../inference/onnx-import/converted-store';
import type { OnnxConverter } from '../../inference/onnx-import/onnx-converter';
import type { SlideViewer } from '../../viewer/viewer-controller';
import { analysisStore, getAnalysis, setAnalysis } from '../analysis-store';
import { appStore, getState, setState } from '../app-store';
import { AnalysisDisplay } from './analysis-display';
import { AnalysisExports, channelOfKey } from './analysis-exports';
import { AnalysisRuns } from './analysis-runs';
import { BatchResults } from './batch-results';
import { type FetchText, GroundTruthState } from './ground-truth-state';
import { HeatmapViews, type LayerFactory, layerContent } from './heatmap-views';
import { browserEngine, type EngineDeps, ModelRuntimes } from './model-runtimes';
import { notifyUser } from './notify';
import { OnnxImport } from './onnx-import';
import { browserIdle, Prewarm, prewarmTargets } from './prewarm';
import { ResultCache } from './result-cache';
import { type SlideContext, SlideContexts, type SlidePixels, tissueOf } from './slide-context';
import { TruthWaits } from './truth-waits';

export interface AnalysisSessionOptions {
  /** builds the right-hand viewer of the split view (called once, on first compare) */
  createCompareViewer?: () => SlideViewer;
  modelsBase?: string;
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
  /** when the prewarm may start (default: a second after the slide opened, then an idle period) */
  prewarmIdle?: (signal: AbortSignal) => Promise<void>;
}

export interface AnalysisParts {
  models: ModelRuntimes;
  onnx: OnnxImport;
  runs: AnalysisRuns<SlideViewer>;
  views: HeatmapViews<SlideViewer>;
  cache: ResultCache;
  truth: GroundTruthState;
  slidesCtx: SlideContexts;
  batch: BatchResults;
  exports: AnalysisExports;
  display: AnalysisDisplay;
  prewarm: Prewarm;
  /** the open slide's context; throws without one */
  context(): SlideContext;
  /**
   * The open slide's context; when the slide does not say its mpp, the one it gets once the mpp
   * prompt is answered (truth given first waits for it; src/state/analysis/truth-waits.ts).
   */
  contextForTruth(): Promise<SlideContext>;
  /** stops following the app, aborts the model list fetch and the workers' loading, closes the slide */
  dispose(): void;
}

/** Builds the pieces over the main viewer and starts following the app's open slide. */
export function wireAnalysis(viewer: SlideViewer, o: AnalysisSessionOptions): AnalysisParts {
  const lifetime = new AbortController();
  const context = () => slidesCtx.require(getState());
  const current = () => slidesCtx.current;
  const truthWaits = new TruthWaits<SlidePixels, SlideContext>();
  const contextForTruth = (): Promise<SlideContext> => {
    const s = getState();
    const slide = viewer.slide;
    if (s.status !== 'ready' || s.metadata?.mpp !== null || !slide) return Promise.resolve(context());
    setState({ mppPromptOpen: true });
    return truthWaits.wait(slide, lifetime.signal);
  };

  const models = new ModelRuntimes(
    o.engine ?? browserEngine,
    o.modelsBase ?? '/models/',
    notifyUser,
    (id) => runs.cancelModel(id),
    lifetime.signal,
  );
  const onnx = new OnnxImport({
    converter: o.onnxConverter ?? workerConverter,
    store: o.convertedStore ?? convertedStore(),
    models,
    fetch: (url, init) => fetch(url, init),
    signal: lifetime.signal,
  });
  models.setOnnxImporter((url, card) => onnx.importUrl(url, card));
  void onnx.refreshList();

  const truth = new GroundTruthState(() => {
    views.updateMainVisibility(truth.any);
    views.refresh();
    for (const id of Object.keys(getAnalysis().stats)) exports.publishStats(id, true);
  }, o.fetchSidecar);
  const cache = new ResultCache(
    async (id) => (await models.entry(id)).card?.exportedAt ?? '',
    notifyUser,
    o.openDb,
  );

  const prewarm = new Prewarm({
    enabled: () => getAnalysis().prewarm,
    targets: async () => {
      const list = await models.loadModels();
      const a = getAnalysis();
      return prewarmTargets(a.model, list, a.cascade, a.compare ? a.right : null);
    },
    warm: async (id) => {
      const h = await models.runtime(id, undefined, undefined, { prewarm: true });
      // the run's own first steps too: the slide's tissue mask for the card's rule, the model's store
      const ctx = slidesCtx.current;
      if (ctx) await Promise.all([tissueOf(ctx, h.card.tissueDetection), cache.store(ctx, id, h.geometry)]);
    },
    release: (id) => models.releasePrewarm(id),
    idle: o.prewarmIdle ?? browserIdle(),
    publish: (info) => setAnalysis({ prewarmInfo: info }),
  });
  const onSlideOpened = (ctx: SlideContext) => {
    void prewarm.schedule();
    truthWaits.opened(ctx);
    void truth.loadSidecar(ctx, () => ctx === slidesCtx.current, notifyUser);
    if (views.rightViewer) void views.openCompareSlide().then(() => runs.scheduleViewport());
    views.refresh();
    runs.scheduleViewport();
  };
  const onSlideClosed = () => {
    prewarm.cancel();
    runs.cancelAll();
    truth.clear();
    setAnalysis({ jobs: {}, stats: {}, batchResults: {} });
    views.updateMainVisibility(false);
    views.refresh();
  };
  const slidesCtx = new SlideContexts(
    {
      shownSlide: () => viewer.slide,
      askForMpp: (m) => {
        setState({ mppPromptOpen: true });
        notifyUser('warning', m);
      },
    },
    onSlideClosed,
    onSlideOpened,
  );

  const batch = new BatchResults({
    context,
    current,
    knownModels: async () => (await models.loadModels().catch(() => [])).map((m) => m.id),
    notify: notifyUser,
    cancelModel: (id) => runs.cancelModel(id),
    show: (id) => {
      setAnalysis({ model: id, heatmapVisible: true });
      display.reshow();
    },
    changed: (id) => {
      views.refresh(id);
      exports.publishStats(id, true);
    },
  });
  const exports = new AnalysisExports({
    context,
    stores: () => slidesCtx.current?.stores ?? null,
    truth: (channel) => truth.truthFor(channel),
    models: {
      // a batch store's stats name the backend the batch ran on
      backendOf: (id) => batch.backendOf(slidesCtx.current, id) ?? models.backendOf(id),
      entry: (id) => models.entry(id),
    },
  });

  // the outline drawn is the truth for the channel the side shows
  const content = (side: 'left' | 'right') => {
    const a = getAnalysis();
    const key = side === 'left' ? a.model : a.right;
    const t = key ? truth.truthFor(channelOfKey(key)) : truth.truth;
    return layerContent(side, a, slidesCtx.current?.stores ?? null, t?.sampler ?? null, (id) =>
      batch.regionsOf(slidesCtx.current, id),
    );
  };
  const views = new HeatmapViews(viewer, content, o.createLayer, o.createCompareViewer);

  const runs: AnalysisRuns<SlideViewer> = new AnalysisRuns<SlideViewer>({
    context,
    models,
    cache,
    exports,
    viewRect: o.viewRect,
    // a model showing a batch result is not recomputed as the view moves
    shown: () => display.shown().filter((s) => !batch.isStored(slidesCtx.current, s.model)),
    onLanded: (id, final) => {
      views.refresh(id);
      exports.publishStats(id, final);
    },
    notify: notifyUser,
    setBackend: (b) => display.setBackend(b),
    setTileSize: (t) => display.setTileSize(t),
    setFlips: (f) => display.setFlips(f),
    onRunStart: () => prewarm.yieldTo(),
  });
  const display: AnalysisDisplay = new AnalysisDisplay({
    models,
    runs,
    views,
    exports,
    hasTruth: () => truth.any,
    hasSlide: () => slidesCtx.current !== null,
    mainViewer: viewer,
    notify: notifyUser,
  });

  const unsubscribe = appStore.subscribe((s) => slidesCtx.sync(s));
  // a new model or setting while the slide is looked at: warm what H would need now
  const unsubscribePrewarm = analysisStore.subscribe((a, before) => {
    const same = (k: 'model' | 'cascade' | 'prewarm' | 'compare' | 'right') => a[k] === before[k];
    if (
      same('model') &&
      same('cascade') &&
      same('prewarm') &&
      same('compare') &&
      (!a.compare || same('right'))
    )
      return;
    if (!a.prewarm) prewarm.cancel();
    else if (slidesCtx.current && !runs.busy) void prewarm.schedule();
  });
  // the app loads the analysis after the viewer: a slide may be open already
  slidesCtx.sync(getState());

  return {
    models,
    onnx,
    runs,
    views,
    cache,
    truth,
    slidesCtx,
    batch,
    exports,
    display,
    context,
    contextForTruth,
    prewarm,
    dispose() {
      unsubscribe();
      unsubscribePrewarm();
      prewarm.cancel();
      lifetime.abort(new DOMException('analysis disposed', 'AbortError'));
      slidesCtx.close();
      models.stopAll();
    },
  };
}
