/**
 * Analysis additions to the scripting API (`window.mrnViewer`), registered via api-registry.
 *
 * ```js
 * await mrnViewer.models();            // [{id, name, architecture, testModel, params, error}]
 * await mrnViewer.analyze({model: 'mrn-bilinear', region: 'viewport', backend: 'wasm'});
 * //   region: {x, y, width, height} (level-0 px) | 'viewport' (default, + 25 % margin) | 'slide'
 * //   backend: 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu' (sticky; default 'auto')
 * //   → summary {model, backend, patches, tumourAreaMm2, analysedAreaMm2, elapsedMs, metrics, stats, ...}
 * mrnViewer.heatmapStats('unet');      // {patches, analysedPixels, meanProbability, tumourAreaMm2,
 *                                      //  backend, dice?, iou?} (model defaults to the shown one)
 * await mrnViewer.compare({left: 'unet', right: 'mrn-bilinear', region: 'viewport'});
 * //   split view (pan/zoom locked), both analysed → {left: stats, right: stats}
 * mrnViewer.heatmap({visible: true, model: 'unet', colormap: 'viridis', opacity: 0.5, threshold: 0.5,
 *                    outline: true, difference: false, lock: true}); // → current settings
 * mrnViewer.sampleHeatmap('unet', x, y);  // probability at a level-0 point, null if not analysed
 * mrnViewer.cancelAnalysis();          // stops every run; their analyze() promises reject (AbortError)
 * mrnViewer.exportGeoJSON('unet');     // tumour regions, FeatureCollection QuPath imports
 * await mrnViewer.exportSummary('unet', 'csv');  // text; 'json' too
 * mrnViewer.exportHeatmapPng('unet');  // base64 PNG of the whole-slide heatmap
 * mrnViewer.loadGroundTruth(text, 'tumours.xml');  // ASAP XML / GeoJSON / NCRF JSON → {name, regions}
 * await mrnViewer.clearHeatmap('unet'); // forgets its results for this slide (memory and IndexedDB)
 * mrnViewer.analysisInfo();           // {jobs: {model: {done, total, rate, etaMs, running}}, runtimes,
 *                                      //  contextCache: {decodedPerOutputPixel, ...}, layers}
 * await mrnViewer.addModel('https://host/m/model.json', cardJsonText);  // → id; or a directory URL,
 * //   or an .onnx URL: converted in the page and kept (see onnx-import-api.ts)
 * mrnViewer.backendInfo('unet');       // {status, backend, decision: {chosen, timings, adapter, lost}}
 * ```
 *
 * Models are the folders of models/ with a card.json (served at /models/, listed in
 * /models/index.json). Heatmaps are kept per slide and model in IndexedDB and restored on reload.
 */

import type { HeatmapStats } from '../analysis/heatmap-stats';
import { SEQUENTIAL_COLORMAPS, type SequentialColormap } from '../heatmap/colormap';
import { BACKEND_CHOICES, type BackendChoice } from '../inference/backend-types';
import type { HeatmapStyle } from '../state/analysis/analysis-display';
import type { AnalysisRegion, AnalysisSession } from '../state/analysis/analysis-session';
import { type AnalysisState, getAnalysis } from '../state/analysis-store';
import { toBase64 } from '../util/base64';
import { registerApiMethod } from './api-registry';

function checkBackend(b: unknown): BackendChoice | undefined {
  if (b === undefined) return undefined;
  if (!BACKEND_CHOICES.includes(b as BackendChoice))
    throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')}`);
  return b as BackendChoice;
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
  backend: BackendChoice;
  groundTruth: AnalysisState['groundTruth'];
}

function settings(): HeatmapSettings {
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
      })),
  );

  registerApiMethod(
    'analyze',
    () =>
      async (opts: { model?: string; region?: unknown; backend?: unknown } = {}) => {
        const backend = checkBackend(opts.backend);
        const region = checkRegion(opts.region);
        const model = modelOrShown(opts.model);
        await analysis.models.loadModels();
        return analysis.analyze(model, region, { backend });
      },
  );

  registerApiMethod(
    'heatmapStats',
    () =>
      (model?: string): HeatmapStats | null =>
        analysis.exports.stats(modelOrShown(model)),
  );

  registerApiMethod(
    'compare',
    () =>
      async (opts: { left?: string; right?: string; region?: unknown; backend?: unknown } = {}) => {
        const backend = checkBackend(opts.backend);
        const region = checkRegion(opts.region);
        if (backend) analysis.display.setBackend(backend);
        // both models over the same area: no viewport runs meanwhile
        return analysis.withViewportPaused(async () => {
          await analysis.display.setCompare(true, { left: opts.left, right: opts.right });
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
        if (opts.visible !== undefined) d.setHeatmapVisible(!!opts.visible);
        return settings();
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

  registerApiMethod('analysisInfo', () => () => ({
    jobs: getAnalysis().jobs,
    runtimes: getAnalysis().runtimes,
    contextCache: analysis.contextCacheStats(),
    layers: analysis.layers(),
  }));

  registerApiMethod('addModel', () => (url: string, card?: string | object) => {
    if (typeof url !== 'string' || !url)
      throw new TypeError('addModel takes a model URL (directory, model.json or .onnx)');
    return analysis.models.addModel(url, card);
  });

  registerApiMethod('clearHeatmap', () => (model?: string) => analysis.clearResults(modelOrShown(model)));

  registerApiMethod(
    'backendInfo',
    () => (model?: string) => getAnalysis().runtimes[modelOrShown(model)] ?? null,
  );
}
