// Runs: plan a region at the model's resolution (tissue only, cached cells skipped), run the
// scheduler over it into the model's store, and report progress in analysisStore.jobs. Explicit
// runs (API, whole slide) are one per model; live viewport runs keep only the latest per model
// (LatestRunner) and wait while an explicit run of that model is active. A viewport run covers the
// whole view or does not start: when its first pass (the screen's coarse map, or the model itself
// where it has no screen) would take more than a few seconds, viewportLimit says so instead. A
// screen either cascades (MRN: sure patches keep its values) or previews (the 1 µm/px U-Net: its
// coarse map first, then the model on every patch).

import { cascadeSink, runCascade } from '../../analysis/cascade';
import { DEFAULT_CASCADE_POLICY } from '../../analysis/cascade-policy';
import { keyChannel, modelOfKey } from '../../analysis/heatmap-key';
import type { HeatmapStats } from '../../analysis/heatmap-stats';
import type { ModelEntry } from '../../analysis/model-index';
import { LatestRunner, type Progress, runAnalysis } from '../../analysis/scheduler';
import {
  defaultRateFor,
  VIEWPORT_FULL_BUDGET_S,
  VIEWPORT_SCREEN_BUDGET_S,
  viewportLimit,
} from '../../analysis/viewport-limit';
import {
  type Plan,
  type PlanOptions,
  planArea,
  planViewport,
  planWholeSlide,
} from '../../analysis/viewport-planner';
import type { Rect } from '../../geometry/patch-geometry';
import type { AnalysisSummary } from '../../heatmap/summary';
import type { BackendChoice } from '../../inference/backend-types';
import { type FlipCount, flipsFor } from '../../inference/flip-count';
import type { InferenceHandle } from '../../inference/inference-client';
import { isAbortError, newAbortError } from '../../util/abort';
import { perfMark } from '../../util/perf-mark';
import { getAnalysis, type JobInfo, setAnalysis } from '../analysis-store';
import type { AnalysisExports } from './analysis-exports';
import { type CascadeInfo, type PreviewInfo, prepareScreen, screenFor } from './cascade-run';
import type { ModelRuntimes } from './model-runtimes';
import { errorText, type Notify, untilAborted } from './notify';
import type { ResultCache } from './result-cache';
import { type ScreenClaim, ScreenClaims } from './screen-claims';
import { contextCacheFor, planOptionsFor, type SlideContext, tissueOf } from './slide-context';

export type AnalysisRegion = Rect | 'viewport' | 'slide';

export interface AnalyzeResult extends AnalysisSummary {
  stats: HeatmapStats;
  /** patches skipped as background by tissue detection */
  background: number;
  fallbacks: string[];
  /** the cascade's counts (null: the model ran on every patch) */
  cascade: CascadeInfo | null;
  /** a preview's counts: the screen's coarse map came first, the model then ran on every patch */
  preview: PreviewInfo | null;
  /** inference tile edge (target px) the run used; `patches` counts tiles of this size */
  tileSize: number;
  /** flipped copies of each patch the model ran on, probabilities averaged (1: none) */
  flips: FlipCount;
}

export interface AnalyzeOptions<V> {
  backend?: BackendChoice;
  /** inference tile edge (sticky, like backend; null: each model's default) */
  tileSize?: number | null;
  /** test-time flip averaging (sticky, like tileSize; null: each card's default, else none) */
  flips?: FlipCount | null;
  signal?: AbortSignal;
  /** coarse screen first (default: the analysis store's setting; only models with a screen): a
   *  cascade for MRN models, a preview for the 1 µm/px U-Net */
  cascade?: boolean;
  viewer: V;
}

/** What runs need from the rest of the session. */
export interface RunHooks<V> {
  context(): SlideContext;
  models: Pick<ModelRuntimes, 'runtime' | 'backendOf' | 'loadModels'>;
  cache: Pick<ResultCache, 'store' | 'save' | 'provisionalCells'>;
  exports: Pick<AnalysisExports, 'stats' | 'summarize'>;
  /** level-0 rectangle a viewer shows (null when nothing is open) */
  viewRect(viewer: V): Rect | null;
  /** models shown now, each with the viewer it is shown in */
  shown(): { model: string; viewer: V }[];
  /** patches landed in the model's store (after each batch, and `final` once a run ends) */
  onLanded(modelId: string, final: boolean): void;
  setBackend(backend: BackendChoice): void;
  setTileSize(tileSize: number | null): void;
  setFlips(flips: FlipCount | null): void;
  notify: Notify;
  /** a run of the model starts (the prewarm gives way: prewarm.ts) */
  onRunStart?(modelId: string): void;
}

const VIEW_DEBOUNCE_MS = 350;
const cancelled = () => newAbortError('cancelled');
const rateKey = (id: string, h: Pick<InferenceHandle, 'geometry'>, flips: FlipCount = 1) =>
  `${id}@${h.geometry.targetSize}${flips > 1 ? `x${flips}` : ''}`;

const perFlip = (rate: number | undefined, flips: FlipCount) =>
  rate === undefined ? undefined : rate / flips;

/** Patches/s of the backend's own timing when the model was loaded (no slide reads), if any. */
function trialRate(h: Pick<InferenceHandle, 'decision' | 'batchSize'>): number | undefined {
  const t = h.decision.timings.find((x) => x.backend === h.decision.chosen && x.ok && x.msPerBatch);
  return t?.msPerBatch ? (h.batchSize * 1000) / t.msPerBatch : undefined;
}

export class AnalysisRuns<V> {
  private readonly viewportRunners = new Map<string, LatestRunner>();
  /** explicit runs (API, whole slide) per model; viewport runs wait while one is active */
  private readonly explicit = new Map<string, AbortController>();
  private viewTimer: ReturnType<typeof setTimeout> | null = null;
  private viewUrgent = false;
  /** measured patches/s per model and tile size (the viewport's time estimate) */
  private readonly rates = new Map<string, number>();
  /** screen patches of runs going at once (screen-claims.ts) */
  private readonly screenClaims = new ScreenClaims();
  /** While > 0, pan/zoom does not start viewport runs (compare() analyses one region for both). */
  viewportPaused = 0;

  constructor(private readonly hooks: RunHooks<V>) {}

  /**
   * Analyses `region` with `modelId` (an explicit run). Viewport runs of that model pause
   * meanwhile. Rejects with an AbortError when cancelled.
   */
  async analyze(modelId: string, region: AnalysisRegion, options: AnalyzeOptions<V>): Promise<AnalyzeResult> {
    if (options.backend) this.hooks.setBackend(options.backend);
    if (options.tileSize !== undefined) this.hooks.setTileSize(options.tileSize);
    if (options.flips !== undefined) this.hooks.setFlips(options.flips);
    this.cancelModel(modelId);
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.explicit.set(modelId, controller);
    try {
      const mode = region === 'slide' ? 'slide' : 'region';
      return await this.run(modelId, region, mode, controller.signal, options.viewer, options.cascade);
    } catch (e) {
      if (!isAbortError(e) && !controller.signal.aborted)
        this.hooks.notify('error', `Analysis with ${modelId} failed: ${errorText(e)}`);
      throw e;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (this.explicit.get(modelId) === controller) this.explicit.delete(modelId);
    }
  }

  /** Whole-slide runs of `models`, one after the other; a cancel stops the rest. */
  async analyzeWholeSlide(models: string[], viewer: V): Promise<void> {
    for (const m of models) {
      try {
        const r = await this.analyze(m, 'slide', { viewer });
        const s = (r.elapsedMs / 1000).toFixed(1);
        this.hooks.notify(
          'info',
          `Whole slide with ${m}: ${r.patches} patches in ${s} s, tumour ${r.tumourAreaMm2.toFixed(3)} mm².`,
        );
      } catch (e) {
        if (isAbortError(e)) return;
      }
    }
  }

  /** Stops the runs (explicit and viewport) of a heatmap key, or of every channel of a model id. */
  cancelModel(key: string): void {
    const all = modelOfKey(key) === key;
    const keys = new Set([...this.explicit.keys(), ...this.viewportRunners.keys()]);
    for (const k of keys) {
      if (k !== key && !(all && modelOfKey(k) === key)) continue;
      this.explicit.get(k)?.abort(cancelled());
      this.explicit.delete(k);
      this.viewportRunners.get(k)?.cancel();
    }
  }

  /** Stops the model's live viewport run only (it is no longer shown). */
  cancelViewport(modelId: string): void {
    this.viewportRunners.get(modelId)?.cancel();
  }

  /** Cancels every run in progress (viewport and explicit). */
  cancelAll(): void {
    for (const id of [...this.explicit.keys(), ...this.viewportRunners.keys()]) this.cancelModel(id);
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.viewTimer = null;
  }

  /** Whether an explicit run is in progress (viewport runs come and go with pan/zoom). */
  get busy(): boolean {
    return this.explicit.size > 0;
  }

  /** Debounced: analyses the viewport for every shown model (cancelling stale runs). */
  scheduleViewport(delayMs = VIEW_DEBOUNCE_MS): void {
    // a run asked for at once (H) is not put off by the pan/zoom debounces that follow it
    if (this.viewTimer && this.viewUrgent && delayMs >= VIEW_DEBOUNCE_MS) return;
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.viewUrgent = delayMs < VIEW_DEBOUNCE_MS;
    this.viewTimer = setTimeout(() => {
      this.viewTimer = null;
      this.runViewport();
    }, delayMs);
  }

  private runViewport(): void {
    if (this.viewportPaused > 0) return;
    for (const { model, viewer } of this.hooks.shown()) {
      if (this.explicit.has(model)) continue;
      let runner = this.viewportRunners.get(model);
      if (!runner) {
        runner = new LatestRunner();
        this.viewportRunners.set(model, runner);
      }
      runner
        .run((signal) => this.run(model, 'viewport', 'viewport', signal, viewer))
        .catch((e) => {
          if (!isAbortError(e)) this.hooks.notify('error', `Analysis with ${model} failed: ${errorText(e)}`);
        });
    }
  }

  private plan(region: AnalysisRegion, o: PlanOptions, viewer: V): Plan {
    if (region === 'slide') return planWholeSlide(o);
    if (region === 'viewport') {
      const rect = this.hooks.viewRect(viewer);
      if (!rect) throw new Error('No slide is open.');
      return planViewport(rect, o);
    }
    for (const k of ['x', 'y', 'width', 'height'] as const)
      if (!Number.isFinite(region[k])) throw new RangeError(`region.${k} must be a finite number`);
    return planArea(region, { x: region.x + region.width / 2, y: region.y + region.height / 2 }, o);
  }

  private setJob(modelId: string, job: JobInfo): void {
    setAnalysis({ jobs: { ...getAnalysis().jobs, [modelId]: job } });
  }

  /** Plans and runs one model over a region; the shared core of viewport, region and slide runs. */
  private async run(
    modelId: string,
    region: AnalysisRegion,
    mode: JobInfo['mode'],
    signal: AbortSignal,
    viewer: V,
    cascade?: boolean,
  ): Promise<AnalyzeResult> {
    const h = this.hooks;
    const ctx = h.context();
    perfMark(`run-start:${modelId}`);
    const wanted = cascade ?? getAnalysis().cascade;
    // the screen's worker starts beside the model's: the coarse map needs only the screen (at once
    // when the model list is in, so a prewarm's load of it is taken over before it gives way)
    const screenOf = (models: readonly ModelEntry[]) => {
      const card = models.find((m) => m.id === modelOfKey(modelId))?.card;
      const early = card ? screenFor(card, models, wanted) : null;
      if (early) void h.models.runtime(early.id).catch(() => {});
    };
    const listed = getAnalysis().models;
    if (listed.length > 0) screenOf(listed);
    else void h.models.loadModels().then(screenOf, () => {});
    const pending = h.models.runtime(modelId);
    // after asking for its workers, so the prewarm's loads of them are taken over, not stopped
    h.onRunStart?.(modelId);
    // tissue detection as the card says ('off' for images that are tissue edge to edge)
    const handle = await pending;
    perfMark(`model-ready:${modelId}`);
    // the heatmap's output channel (the tumour channel unless the key names another)
    const channel = keyChannel(modelId, handle.card).index;
    // flip averaging costs `flips` runs of the model per batch (the screen runs once)
    const flips = flipsFor(getAnalysis().flips, handle.card);
    const predictor =
      handle.spec.output.channels > 1 || flips > 1
        ? {
            batchSize: handle.batchSize,
            predict: (inputs: Record<string, Float32Array>, count: number) =>
              handle.predict(inputs, count, channel, flips),
            fallback: () => handle.fallback(),
          }
        : handle;
    const tissue = await tissueOf(ctx, handle.card.tissueDetection);
    const store = await h.cache.store(ctx, modelId, handle.geometry, flips);
    if (signal.aborted) throw signal.reason;
    const choice = screenFor(handle.card, getAnalysis().models, wanted);
    // fine-store cells holding the screen's values until refined (the cache never saves them)
    const provisional = h.cache.provisionalCells(store);
    // cells shown coarse but not refined yet are not analysed (their patches are planned again)
    const sink = cascadeSink(store, provisional);
    const plan = this.plan(
      region,
      planOptionsFor(ctx, handle.geometry, store, tissue, (c, r) => sink.has(c, r)),
      viewer,
    );
    const patches = plan.patches;
    const area = plan.area;
    const focus = region === 'slide' ? null : { x: area.x + area.width / 2, y: area.y + area.height / 2 };
    const screen = choice
      ? { ...(await prepareScreen(h, ctx, choice.id, area, focus, signal)), skip: choice.skip }
      : null;
    if (screen) perfMark(`screen-ready:${modelId}`);
    if (mode === 'viewport') {
      // the whole view or nothing: its first pass (the screen's, else the model's own) must be quick
      const limit = screen
        ? viewportLimit(
            modelId,
            screen.id,
            screen.plan.patches.length,
            this.rates.get(rateKey(screen.id, screen.handle)),
            VIEWPORT_SCREEN_BUDGET_S,
          )
        : viewportLimit(
            modelId,
            null,
            patches.length,
            this.rates.get(rateKey(modelId, handle, flips)) ?? perFlip(trialRate(handle), flips),
            VIEWPORT_FULL_BUDGET_S,
            defaultRateFor(handle.geometry.targetSize),
          );
      if (getAnalysis().viewportLimit?.model === modelId || limit) setAnalysis({ viewportLimit: limit });
      if (limit) throw newAbortError('the first pass over this view would take too long');
    }
    const started = performance.now();
    // patches counted as done before this model's own run: cached, and those the screen filled
    let before = plan.cached;
    let phase: JobInfo['phase'] = screen ? 'screen' : undefined;
    let coarse: JobInfo['coarse'];
    const onProgress = (p: Progress) =>
      this.setJob(modelId, {
        ...p,
        model: modelId,
        mode,
        done: p.done + before,
        total: p.total + before,
        cached: p.cached + before,
        running: true,
        ...(phase ? { phase } : {}),
        ...(coarse ? { coarse } : {}),
      });
    const fineJob = {
      source: ctx.source,
      slideMpp: ctx.mpp,
      spec: handle.spec,
      geometry: handle.geometry,
      patches,
      predictor,
      store: sink,
      contextCache: contextCacheFor(ctx, handle.geometry),
      signal,
      onProgress,
      onBatch: () => h.onLanded(modelId, false),
      onFirst: (e: 'read' | 'predicted') => perfMark(`${e === 'read' ? 'read' : 'first-patch'}:${modelId}`),
    };
    let result: Awaited<ReturnType<typeof runAnalysis>>;
    let cascadeInfo: CascadeInfo | null = null;
    let claim: ScreenClaim<(typeof patches)[number]> | null = null;
    let previewInfo: PreviewInfo | null = null;
    try {
      if (screen) {
        const policy = DEFAULT_CASCADE_POLICY;
        // the screen patches another run (the other compare viewer's) is computing are not computed
        // again: this run waits for them, then does what that run left undone
        claim = this.screenClaims.claim(ctx, screen.id, screen.plan.patches);
        const own = claim;
        const screenJob = {
          source: ctx.source,
          slideMpp: ctx.mpp,
          spec: screen.handle.spec,
          geometry: screen.handle.geometry,
          patches: own.mine,
          predictor: screen.handle,
          store: screen.store,
          contextCache: contextCacheFor(ctx, screen.handle.geometry),
          signal,
          onProgress,
          onFirst: (e: 'read' | 'predicted') =>
            perfMark(`screen-${e === 'read' ? 'read' : 'batch'}:${modelId}`),
        };
        const r = await runCascade({
          screen: screenJob,
          afterScreen: async () => {
            own.release();
            if (own.theirs.length === 0) return;
            await untilAborted(own.others(), signal);
            const left = own.theirs.filter((p) => !screen.store.has(p.col, p.row));
            if (left.length > 0) await runAnalysis({ ...screenJob, patches: left });
          },
          fine: { ...fineJob, store },
          screenStore: screen.store,
          policy,
          umPerPx: ctx.mpp,
          targetSize: handle.geometry.targetSize,
          coarseAll: true,
          skip: screen.skip,
          provisional,
          onCoarse: ({ skipped }) => {
            const covered = patches.filter((p) => store.has(p.col, p.row)).length;
            coarse = { ms: performance.now() - started, patches: covered };
            perfMark(`coarse:${modelId}`);
            before = plan.cached + skipped;
            phase = 'refine';
          },
        });
        if (r.screenPatches >= 8) this.rates.set(rateKey(screen.id, screen.handle), r.screen.rate);
        // a preview ran the model on every patch: its rate is the no-screen estimate's too
        if (!screen.skip && r.refinedPatches >= 8)
          this.rates.set(rateKey(modelId, handle, flips), r.fine.rate);
        void h.cache.save(ctx, screen.id, mode !== 'viewport');
        h.onLanded(screen.id, true);
        result = {
          ...r.fine,
          done: r.fine.done + r.skippedPatches,
          fallbacks: [...r.screen.fallbacks, ...r.fine.fallbacks],
        };
        const counts = {
          screenModel: screen.id,
          screenPatches: r.screenPatches,
          coarsePatches: coarse?.patches ?? 0,
          coarseMs: coarse?.ms ?? 0,
          refineMs: r.refineMs,
        };
        if (screen.skip)
          cascadeInfo = {
            ...counts,
            refinedPatches: r.refinedPatches,
            skippedPatches: r.skippedPatches,
            policy,
          };
        else previewInfo = counts;
      } else {
        result = await runAnalysis(fineJob);
        if (result.done - result.cached >= 8) this.rates.set(rateKey(modelId, handle, flips), result.rate);
      }
    } finally {
      claim?.release();
      const job = getAnalysis().jobs[modelId];
      if (job) this.setJob(modelId, { ...job, running: false });
    }
    const lost = result.fallbacks.at(-1);
    if (lost) {
      h.notify(
        'warning',
        `The ${handle.decision.lost.join(', ')} device was lost during the analysis; it continued on ${lost}.`,
      );
      const runtimes = getAnalysis().runtimes;
      setAnalysis({
        runtimes: {
          ...runtimes,
          [modelId]: { status: 'ready', backend: lost, decision: handle.decision, error: null },
        },
      });
    }
    if (result.done > result.cached) await h.cache.save(ctx, modelId, mode !== 'viewport');
    h.onLanded(modelId, true);
    const summary = await h.exports.summarize(modelId, store, {
      patches: result.done - result.cached,
      elapsedMs: performance.now() - started,
      backend: h.models.backendOf(modelId) ?? handle.decision.chosen,
    });
    return {
      ...summary,
      stats: h.exports.stats(modelId)!,
      background: plan.background,
      fallbacks: result.fallbacks,
      cascade: cascadeInfo,
      preview: previewInfo,
      tileSize: handle.geometry.targetSize,
      flips,
    };
  }
}
