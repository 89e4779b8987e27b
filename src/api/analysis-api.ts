/**
 * Analysis additions to the scripting API (`window.mrnViewer`), registered via api-registry.
 *
 * ```js
 * await mrnViewer.models();            // [{id, name, architecture, testModel, params, error,
 *                                      //   channels, tumourChannel, group, slideMpp, tileSizes, flips}]
 * await mrnViewer.analyze({model: 'mrn-bilinear', region: 'viewport', backend: 'wasm'});
 * //   region: {x, y, width, height} (level-0 px) | 'viewport' (default, + 25 % margin) | 'slide'
 * //   backend: 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu' (sticky; default 'auto')
 * //   channel: an output channel of a multi-channel model (GlaS: 'tumour' default, 'gland')
 * //   cascade: true | false (default: the panel's setting, on unless ?cascade=0): MRN models screen
 * //     the region with the 4 µm/px U-Net first and run only where it is unsure; the 1 µm/px U-Net
 * //     gets the screen's coarse map first (a preview) and then runs on every patch
 * //   tileSize: inference tile edge in target px, e.g. 64 (the trained patch, as before bigger
 * //     tiles) or 256; each model runs the largest tile its card offers up to it (sticky, like
 * //     backend; null: the default, 256, or ?tile= in the address: the shipped models run 256 px
 * //     tiles, unet-context and models without tiles their own patch); → summary.tileSize is what ran
 * //   flips: 1 | 2 | 4 | 8: test-time flip averaging, each patch run that many times flipped (and
 * //     transposed) and the probabilities averaged, at that many times the cost (sticky; null: each
 * //     card's `flips`, else 1; ?flips= in the address); → summary.flips is what ran
 * //   → summary {model, backend, patches, tumourAreaMm2, analysedAreaMm2, elapsedMs, metrics, stats,
 * //     cascade: {screenModel, screenPatches, refinedPatches, skippedPatches, coarsePatches, coarseMs,
 * //     refineMs, policy} | null, preview: {screenModel, screenPatches, coarsePatches, coarseMs,
 * //     refineMs} | null (the U-Net's preview: nothing skipped, the result is the U-Net's), ...}
 * //     (model.channel and stats.channel name the channel)
 * mrnViewer.heatmapStats('unet');      // {model, channel, patches, analysedPixels, meanProbability,
 *                                      //  tumourAreaMm2, backend, dice?, iou?} (model defaults to the shown one)
 * mrnViewer.heatmapStats('glas-unet', 'gland');  // a channel's heatmap; same as heatmapStats('glas-unet#gland')
 * await mrnViewer.compare({left: 'unet', right: 'mrn-bilinear', region: 'viewport', channel?});
 * //   split view (pan/zoom locked), both analysed → {left: stats, right: stats}
 * mrnViewer.heatmap({visible: true, model: 'unet', colormap: 'viridis', opacity: 0.5, threshold: 0.5,
 *                    outline: true, difference: false, lock: true, channel: 'gland'}); // → current settings
 * //   a heatmap of another channel is keyed `<model>#<channel>` (model, right, stats, exports take it)
 * await mrnViewer.loadGroundTruthMask(base64OrBytes, 'testA_1.png', {grade: 'malignant'});
 * //   a label mask (PNG/TIFF aligned to the slide, non-zero = positive): gland truth, and tumour
 * //   truth by grade (or {gradeCsv: text}: the row of the slide's file stem) → {name, channels, grade}
 * mrnViewer.sampleHeatmap('unet', x, y);  // probability at a level-0 point, null if not analysed
 * mrnViewer.cancelAnalysis();          // stops every run; their analyze() promises reject (AbortError)
 * mrnViewer.exportGeoJSON('unet');     // tumour regions, FeatureCollection QuPath imports
 * await mrnViewer.exportSummary('unet', 'csv');  // text; 'json' too
 * mrnViewer.exportHeatmapPng('unet');  // base64 PNG of the whole-slide heatmap
 * mrnViewer.loadGroundTruth(text, 'tumours.xml');  // ASAP XML / GeoJSON / NCRF JSON → {name, regions}
 * await mrnViewer.clearHeatmap('unet'); // forgets its results for this slide (memory and IndexedDB)
 * mrnViewer.analysisInfo();           // {jobs: {model: {done, total, rate, etaMs, running, phase?,
 *                                      //  coarse?: {patches, ms}}}, runtimes, cascade (the setting),
 *                                      //  prewarm: {enabled, state, models, ready, ms, modelMs, error}
 *                                      //  (models warmed while the slide was looked at; ?prewarm=0 off),
 *                                      //  viewportLimit: {model, screenModel, screenPatches, estimateS,
 *                                      //  budgetS, rate} | null (the view was too large for a live
 *                                      //  heatmap; screenModel null: the model has no screen and
 *                                      //  screenPatches are its own), contextCache: {decodedPerOutputPixel, ...}, layers}
 * await mrnViewer.addModel('https://host/m/model.json', cardJsonText);  // → id; or a directory URL,
 * //   or an .onnx URL: converted in the page and kept (see onnx-import-api.ts)
 * mrnViewer.backendInfo('unet');       // {status, backend, prewarmed, decision: {chosen, timings, adapter,
 *                                      //  lost, threads, fusedConvs, selectMs, phases: {workerMs, fetchMs, trialsMs, commitMs,
 *                                      //  buildMs, warmupMs}}} (prewarmed: the prewarm started it)
 * await mrnViewer.predict('unet', {target: base64}, {backend: 'webgpu', channel: 'tumour', count: 2});
 * //   the model on raw patches: each input NHWC float32 (little-endian, base64), count patches (default
 * //   the batch; flips: 1 | 2 | 4 | 8, default 1, flip averaging) → {backend, channel, flips, count,
 * //   size, output: base64 float32 count × size² of the activated channel}: a converted model's
 * //   outputs checked against another runtime's
 * await mrnViewer.openResults('https://host/out/slide-1/');   // or [File, …] of result folders
 * //   batch results (`npm run batch`, DIR/<slide-name>/ or one DIR/<slide-name>/<model-id>/) over
 * //   the open slide: the stored heatmaps become the models' layers, nothing is recomputed
 * //   → [{model, modelName, slide, from, tumourAreaMm2, analysedAreaMm2, patches, backend,
 * //       elapsedMs, threshold, regions, dice, iou, createdAt}] (the stored summaries)
 * mrnViewer.batchResults();            // the same, for the results open now ({model: {...}})
 * ```
 *
 * Models are the folders of models/ with a card.json (served at /models/, listed in
 * /models/index.json). Heatmaps are kept per slide and model in IndexedDB and restored on reload.
 */

import { heatmapKey } from '../analysis/heatmap-key';
import type { HeatmapStats } from '../analysis/heatmap-stats';
import { modelGroup, trainingSlideMpp } from '../analysis/model-index';
import { SEQUENTIAL_COLORMAPS, type SequentialColormap } from '../heatmap/colormap';
import { BACKEND_CHOICES, type BackendChoice } from '../inference/backend-types';
import { type FlipCount, isFlipCount } from '../inference/flip-count';
import { tileSizesOf } from '../inference/model-tiles';
import type { HeatmapStyle } from '../state/analysis/analysis-display';
import type { AnalysisRegion, AnalysisSession } from '../state/analysis/analysis-session';
import { type AnalysisState, getAnalysis } from '../state/analysis-store';
import { fromBase64, toBase64 } from '../util/base64';
import { registerApiMethod } from './api-registry';

function checkBackend(b: unknown): BackendChoice | undefined {
  if (b === undefined) return undefined;
  if (!BACKEND_CHOICES.includes(b as BackendChoice))
    throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')}`);
  return b as BackendChoice;
}

/** undefined: keep the setting; null: each model's default; else a whole number of px ≥ 8. */
function checkTileSize(t: unknown): number | null | undefined {
  if (t === undefined || t === null) return t;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 8 || t > 4096)
    throw new RangeError('tileSize must be a whole number of px (e.g. 64 or 256) or null');
  return t;
}

/** undefined: keep the setting; null: each card's default; else 1, 2, 4 or 8. */
function checkFlips(f: unknown): FlipCount | null | undefined {
  if (f === undefined || f === null) return f;
  if (!isFlipCount(f)) throw new RangeError(`flips must be 1, 2, 4 or 8 (or null), not ${JSON.stringify(f)}`);
  return f;
}

function checkRegion(r: unknown): AnalysisRegion {
  if (r === undefined) return 'viewport';
  if (r === 'viewport' || r === 'slide') return r;
  if (r && typeof r === 'object') {
    const { x, y, width, height } = r as Record<string, unknown>;
    if (
      [x, y, width, height].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
      (width as number) > 0 &&
      (height as number) > 0
    )
      return { x: x as number, y: y as number, width: width as number, height: height as number };
  }
  throw new RangeError("region must be {x, y, width, height} (level-0 px), 'viewport' or 'slide'");
}

export interface HeatmapSettings {
  visible: boolean;
  model: string | null;
  right: string | null;
  compare: boolean;
  colormap: SequentialColormap;
  opacity: number;
  threshold: number;
  outline: boolean;
  difference: boolean;
  lock: boolean;
  showTruth: boolean;
  /** the output channel the main side shows (null: no model) */
  channel: string | null;
  backend: BackendChoice;
  groundTruth: AnalysisState['groundTruth'];
}

function settings(channel: string | null): HeatmapSettings {
  const a = getAnalysis();
  return {
    visible: a.heatmapVisible,
    model: a.model,
    right: a.right,
    compare: a.compare,
    colormap: a.colormap,
    opacity: a.opacity,
    threshold: a.threshold,
    outline: a.outline,
    difference: a.difference,
    lock: a.lock,
    showTruth: a.showTruth,
    channel,
    backend: a.backend,
    groundTruth: a.groundTruth,
  };
}

export function registerAnalysisApi(analysis: AnalysisSession): void {
  const modelOrShown = (m?: string): string => {
    const id = m ?? getAnalysis().model;
    if (!id) throw new Error('No model chosen; pass a model id (see models()).');
    return id;
  };
  /** the heatmap key of a model (id or key) and an optional channel (models loaded) */
  const keyOf = (m?: string, channel?: unknown): string => {
    const id = modelOrShown(m);
    if (channel === undefined || channel === null) return id;
    if (typeof channel !== 'string') throw new TypeError('channel must be a channel name');
    const card = getAnalysis().models.find((x) => x.id === id.split('#')[0])?.card ?? null;
    if (!card) throw new Error(`No model "${id}" is loaded; see models().`);
    return heatmapKey(id, channel, card);
  };

  registerApiMethod(
    'models',
    () => async () =>
      (await analysis.models.loadModels()).map((m) => ({
        id: m.id,
        name: m.card?.name ?? m.id,
        architecture: m.card?.architecture ?? null,
        testModel: m.card?.testModel ?? null,
        params: m.card?.params ?? null,
        error: m.error,
        channels: m.card?.output.channels.map((c) => c.name) ?? [],
        tumourChannel: m.card?.output.tumourChannel ?? null,
        group: m.card ? modelGroup(m.card) : null,
        slideMpp: m.card ? trainingSlideMpp(m.card) : null,
        tileSizes: m.card ? tileSizesOf(m.card) : [],
        flips: m.card?.flips ?? 1,
      })),
  );

  registerApiMethod(
    'analyze',
    () =>
      async (
        opts: {
          model?: string;
          region?: unknown;
          backend?: unknown;
          channel?: unknown;
          cascade?: unknown;
          tileSize?: unknown;
          flips?: unknown;
        } = {},
      ) => {
        const backend = checkBackend(opts.backend);
        const tileSize = checkTileSize(opts.tileSize);
        const flips = checkFlips(opts.flips);
        const region = checkRegion(opts.region);
        if (opts.cascade !== undefined && typeof opts.cascade !== 'boolean')
          throw new TypeError('cascade must be true or false');
        await analysis.models.loadModels();
        const model = keyOf(opts.model, opts.channel);
        return analysis.analyze(model, region, { backend, cascade: opts.cascade, tileSize, flips });
      },
  );

  registerApiMethod(
    'heatmapStats',
    () =>
      (model?: string, channel?: string): HeatmapStats | null =>
        analysis.exports.stats(keyOf(model, channel)),
  );

  registerApiMethod(
    'compare',
    () =>
      async (
        opts: { left?: string; right?: string; region?: unknown; backend?: unknown; channel?: unknown } = {},
      ) => {
        const backend = checkBackend(opts.backend);
        const region = checkRegion(opts.region);
        if (backend) analysis.display.setBackend(backend);
        await analysis.models.loadModels();
        const given = {
          left: opts.left !== undefined ? keyOf(opts.left, opts.channel) : undefined,
          right: opts.right !== undefined ? keyOf(opts.right, opts.channel) : undefined,
        };
        // both models over the same area: no viewport runs meanwhile
        return analysis.withViewportPaused(async () => {
          await analysis.display.setCompare(true, given);
          if (typeof opts.channel === 'string') analysis.display.setChannel(opts.channel);
          const { model: left, right } = getAnalysis();
          if (!left || !right) throw new Error('compare needs two models (left and right).');
          // workers start together; the runs go one after the other (they would share the cores)
          await Promise.all([analysis.models.runtime(left), analysis.models.runtime(right)]);
          await analysis.analyze(left, region);
          await analysis.analyze(right, region);
          const out = { left: analysis.exports.stats(left), right: analysis.exports.stats(right) };
          await analysis.compareReady();
          return out;
        });
      },
  );

  registerApiMethod(
    'heatmap',
    () =>
      (opts: Partial<Omit<HeatmapSettings, 'compare' | 'groundTruth'>> = {}) => {
        if (opts.channel !== undefined && opts.channel !== null && typeof opts.channel !== 'string')
          throw new TypeError('channel must be a channel name');
        const style: HeatmapStyle = {};
        if (opts.colormap !== undefined) {
          if (!SEQUENTIAL_COLORMAPS.includes(opts.colormap))
            throw new RangeError(`colormap must be one of ${SEQUENTIAL_COLORMAPS.join(', ')}`);
          style.colormap = opts.colormap;
        }
        if (opts.opacity !== undefined) {
          if (!(opts.opacity >= 0 && opts.opacity <= 1)) throw new RangeError('opacity must be in [0, 1]');
          style.opacity = opts.opacity;
        }
        if (opts.threshold !== undefined) {
          if (!(opts.threshold > 0 && opts.threshold < 1))
            throw new RangeError('threshold must be in (0, 1)');
          style.threshold = opts.threshold;
        }
        if (opts.outline !== undefined) style.outline = !!opts.outline;
        const backend = opts.backend !== undefined ? checkBackend(opts.backend)! : undefined;
        const d = analysis.display;
        if (Object.keys(style).length > 0) d.setStyle(style);
        if (opts.model !== undefined && opts.model !== null) d.setModel(opts.model);
        if (opts.right !== undefined && opts.right !== null) d.setRightModel(opts.right);
        if (opts.difference !== undefined) d.setDifference(!!opts.difference);
        if (opts.lock !== undefined) d.setLock(!!opts.lock);
        if (opts.showTruth !== undefined) d.setShowTruth(!!opts.showTruth);
        if (backend) d.setBackend(backend);
        if (typeof opts.channel === 'string') d.setChannel(opts.channel);
        if (opts.visible !== undefined) d.setHeatmapVisible(!!opts.visible);
        return settings(d.channel());
      },
  );

  registerApiMethod('sampleHeatmap', () => (model: string, x: number, y: number) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError('x and y must be finite numbers');
    return analysis.exports.sample(modelOrShown(model), x, y);
  });

  registerApiMethod('cancelAnalysis', () => () => {
    analysis.cancelAll();
  });

  registerApiMethod('exportGeoJSON', () => (model?: string) => analysis.exports.regions(modelOrShown(model)));

  registerApiMethod('exportSummary', () => (model?: string, format: 'json' | 'csv' = 'json') => {
    if (format !== 'json' && format !== 'csv') throw new RangeError("format must be 'json' or 'csv'");
    return analysis.exports.summaryText(modelOrShown(model), format);
  });

  registerApiMethod(
    'exportHeatmapPng',
    () => (model?: string, maxSize?: number) =>
      toBase64(analysis.exports.heatmapPng(modelOrShown(model), maxSize)),
  );

  registerApiMethod('loadGroundTruth', () => (text: string, name = 'annotations') => {
    if (typeof text !== 'string') throw new TypeError('loadGroundTruth takes the file text');
    return analysis.setTruthFromText(text, name);
  });

  registerApiMethod(
    'loadGroundTruthMask',
    () =>
      (
        data: string | Uint8Array | ArrayBuffer,
        name = 'mask.png',
        opts: { grade?: unknown; gradeCsv?: unknown } = {},
      ) => {
        const bytes =
          typeof data === 'string'
            ? fromBase64(data)
            : data instanceof ArrayBuffer
              ? new Uint8Array(data)
              : data instanceof Uint8Array
                ? data
                : null;
        if (!bytes)
          throw new TypeError('loadGroundTruthMask takes base64 text, a Uint8Array or an ArrayBuffer');
        const grade = opts.grade;
        if (grade !== undefined && grade !== null && grade !== 'benign' && grade !== 'malignant')
          throw new RangeError("grade must be 'benign' or 'malignant'");
        if (opts.gradeCsv !== undefined && typeof opts.gradeCsv !== 'string')
          throw new TypeError('gradeCsv must be the text of a Grade.csv');
        return analysis.setTruthFromMask(bytes, name, {
          grade: grade ?? null,
          gradeCsv: (opts.gradeCsv as string | undefined) ?? null,
        });
      },
  );

  registerApiMethod('analysisInfo', () => () => ({
    jobs: getAnalysis().jobs,
    runtimes: getAnalysis().runtimes,
    cascade: getAnalysis().cascade,
    prewarm: getAnalysis().prewarmInfo ?? { enabled: getAnalysis().prewarm, state: 'idle' },
    viewportLimit: getAnalysis().viewportLimit,
    contextCache: analysis.contextCacheStats(),
    layers: analysis.layers(),
  }));

  registerApiMethod('addModel', () => (url: string, card?: string | object) => {
    if (typeof url !== 'string' || !url)
      throw new TypeError('addModel takes a model URL (directory, model.json or .onnx)');
    return analysis.models.addModel(url, card);
  });

  registerApiMethod('clearHeatmap', () => (model?: string) => analysis.clearResults(modelOrShown(model)));

  registerApiMethod('openResults', () => (input: string | File[]) => {
    const files = Array.isArray(input) && input.every((f) => f instanceof File);
    if (typeof input !== 'string' && !files)
      throw new TypeError("openResults takes a results URL or the result folders' files (File[])");
    return analysis.openResults(input);
  });

  registerApiMethod('batchResults', () => () => getAnalysis().batchResults);

  registerApiMethod(
    'predict',
    () =>
      async (
        model: string,
        inputs: Record<string, string>,
        opts: { backend?: unknown; channel?: unknown; count?: unknown; flips?: unknown } = {},
      ) => {
        const backend = checkBackend(opts.backend);
        const flips = checkFlips(opts.flips) ?? 1; // raw outputs: the card's default is not applied
        const card = (await analysis.models.entry(model)).card!;
        const channel =
          opts.channel === undefined
            ? undefined
            : card.output.channels.findIndex((c) => c.name === opts.channel);
        if (channel === -1)
          throw new RangeError(`model "${model}" has no output channel "${String(opts.channel)}"`);
        const h = await analysis.models.runtime(model, backend);
        const count = opts.count === undefined ? h.batchSize : Number(opts.count);
        const feeds: Record<string, Float32Array> = {};
        for (const [name, b64] of Object.entries(inputs)) {
          const bytes = fromBase64(b64);
          if (bytes.length % 4) throw new RangeError(`input "${name}" is not float32 data`);
          feeds[name] = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
        }
        const out = await h.predict(feeds, count, channel, flips);
        return {
          backend: h.decision.chosen,
          flips,
          channel: card.output.channels[channel ?? h.spec.output.select ?? 0]?.name ?? null,
          count,
          size: h.spec.output.size,
          output: toBase64(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)),
        };
      },
  );

  registerApiMethod(
    'backendInfo',
    () => (model?: string) => getAnalysis().runtimes[modelOrShown(model).split('#')[0]] ?? null,
  );
}
