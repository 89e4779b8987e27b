// The model list and one inference worker per model, started on first use with the chosen backend.
// The engine is injected (startInference, fetchModels) so Node tests run this with fakes.

import { modelOfKey } from '../../analysis/heatmap-key';
import { defaultComparePair, defaultModel, fetchModels, type ModelEntry } from '../../analysis/model-index';
import type { BackendChoice } from '../../inference/backend-types';
import { type InferenceHandle, startInference } from '../../inference/inference-client';
import { type ModelCard, parseModelCard, parseModelCardText } from '../../inference/model-card';
import { convertedStore } from '../../inference/onnx-import/converted-store';
import { convertedModelUrl, isOnnxUrl } from '../../inference/onnx-import/converted-url';
import { newAbortError } from '../../util/abort';
import { getAnalysis, type RuntimeInfo, setAnalysis } from '../analysis-store';
import { errorText, type Notify, untilAborted } from './notify';

export interface EngineDeps {
  fetchModels(base: string, options: { signal?: AbortSignal }): Promise<ModelEntry[]>;
  startInference(
    url: string,
    options: { backend: BackendChoice; card?: string; signal?: AbortSignal; tileSize?: number | null },
  ): Promise<InferenceHandle>;
  fetch(url: string, init: { signal?: AbortSignal }): Promise<Pick<Response, 'ok' | 'status' | 'text'>>;
  /** models converted in the page and kept in IndexedDB (listed after the served ones) */
  storedModels?(): Promise<ModelEntry[]>;
}

/** Converted models kept in this browser; a storage failure lists none rather than no models. */
const storedConverted = async (): Promise<ModelEntry[]> => {
  try {
    const records = await convertedStore().list();
    return records.map((r) => ({ id: r.id, url: convertedModelUrl(r.id), card: r.card, error: null }));
  } catch {
    return [];
  }
};

export const browserEngine: EngineDeps = {
  fetchModels: (base, options) => fetchModels(base, options),
  startInference: (url, options) => startInference(url, options),
  fetch: (url, init) => fetch(url, init),
  storedModels: storedConverted,
};

/** The browser engine running every graph as exported (`?optimize=0`: the benchmarks' legacy rows). */
export const unoptimizedBrowserEngine: EngineDeps = {
  ...browserEngine,
  startInference: (url, options) => startInference(url, { ...options, optimize: false }),
};

interface Runtime {
  backend: BackendChoice;
  tileSize: number | null;
  handle: Promise<InferenceHandle>;
  controller: AbortController;
  /** started by the prewarm and not asked for by a run yet */
  prewarm: boolean;
  settled: boolean;
}

const stop = (rt: Runtime) => {
  rt.controller.abort(newAbortError('model stopped'));
  void rt.handle.then((h) => h.terminate()).catch(() => {});
};

export class ModelRuntimes {
  private readonly runtimes = new Map<string, Runtime>();
  /** cards of models added by URL (addModel), passed to the worker instead of fetching card.json */
  private readonly givenCards = new Map<string, string>();
  private modelsLoaded: Promise<ModelEntry[]> | null = null;
  /** converts an .onnx URL into a model (the OnnxImport piece); set by AnalysisSession */
  private onnxImporter: ((url: string, card?: string | object) => Promise<string>) | null = null;

  constructor(
    private readonly engine: EngineDeps,
    private readonly modelsBase: string,
    private readonly notify: Notify,
    /** called before a model's worker is replaced or stopped, so its runs are cancelled */
    private readonly onStop: (modelId: string) => void,
    private readonly signal?: AbortSignal,
  ) {}

  loadModels(): Promise<ModelEntry[]> {
    this.modelsLoaded ??= Promise.all([
      this.engine.fetchModels(this.modelsBase, { signal: this.signal }),
      this.engine.storedModels?.() ?? [],
    ]).then(
      ([served, stored]) => {
        const models = [...served, ...stored.filter((s) => !served.some((m) => m.id === s.id))];
        const [, right] = defaultComparePair(models);
        const a = getAnalysis();
        setAnalysis({
          models,
          modelsError: null,
          model: a.model ?? defaultModel(models),
          right: a.right ?? right,
        });
        return models;
      },
      (e) => {
        this.modelsLoaded = null;
        setAnalysis({ modelsError: errorText(e) });
        throw e;
      },
    );
    return this.modelsLoaded;
  }

  /** The default compare pair (U-Net left, MRN right) of the model list. */
  async defaultPair(): Promise<[string | null, string | null]> {
    return defaultComparePair(await this.loadModels());
  }

  /** Reloads the model list (new models appear without a page reload). */
  reloadModels(): Promise<ModelEntry[]> {
    this.modelsLoaded = null;
    return this.loadModels();
  }

  setOnnxImporter(importer: (url: string, card?: string | object) => Promise<string>): void {
    this.onnxImporter = importer;
  }

  /**
   * Adds a model from a URL: a model directory (with card.json), a model.json URL with its card
   * (JSON text or object), or an .onnx file (converted in a worker, checked, kept in IndexedDB).
   * Validated like the served ones; returns its id.
   */
  async addModel(url: string, card?: string | object): Promise<string> {
    if (isOnnxUrl(url)) {
      if (!this.onnxImporter) throw new Error('ONNX import is not available here');
      return this.onnxImporter(url, card);
    }
    await this.loadModels();
    let parsed: ModelCard;
    if (card !== undefined) {
      parsed =
        typeof card === 'string'
          ? parseModelCardText(card, 'given card')
          : parseModelCard(card, 'given card');
    } else {
      const dir = url.replace(/[^/]*\.json$/, '').replace(/\/?$/, '/');
      const res = await this.engine.fetch(`${dir}card.json`, { signal: this.signal });
      if (!res.ok) throw new Error(`No card.json next to ${url} (HTTP ${res.status}); give the card too.`);
      parsed = parseModelCardText(await res.text(), `${dir}card.json`);
    }
    this.givenCards.set(parsed.id, JSON.stringify(parsed));
    await this.addEntry({ id: parsed.id, url, card: parsed, error: null });
    return parsed.id;
  }

  /** Puts an entry in the model list (replacing one with its id, whose worker stops). */
  async addEntry(entry: ModelEntry): Promise<void> {
    const models = await this.loadModels();
    const list = [...models.filter((m) => m.id !== entry.id), entry];
    this.modelsLoaded = Promise.resolve(list);
    this.stopModel(entry.id);
    setAnalysis({ models: list });
  }

  /** Takes a model off the list (a converted model the user removed). */
  async removeEntry(id: string): Promise<void> {
    const models = await this.loadModels();
    const list = models.filter((m) => m.id !== id);
    this.modelsLoaded = Promise.resolve(list);
    this.stopModel(id);
    this.givenCards.delete(id);
    const a = getAnalysis();
    setAnalysis({
      models: list,
      model: a.model === id ? defaultModel(list) : a.model,
      right: a.right === id ? (defaultComparePair(list)[1] ?? null) : a.right,
    });
  }

  /** The model's entry; `key` is a model id or a heatmap key (`<model>#<channel>`). */
  async entry(key: string): Promise<ModelEntry> {
    const modelId = modelOfKey(key);
    const models = await this.loadModels();
    const m = models.find((x) => x.id === modelId);
    if (!m) throw new Error(`No model "${modelId}"; have ${models.map((x) => x.id).join(', ') || 'none'}.`);
    if (!m.card) throw new Error(`Model "${modelId}" has an unusable card: ${m.error}`);
    return m;
  }

  /**
   * The model's inference worker, started on first use with the chosen backend and tile size.
   * `prewarm`: started ahead of a run (prewarm.ts); a later call without it takes the worker over.
   */
  runtime(
    key: string,
    backend: BackendChoice = getAnalysis().backend,
    tileSize: number | null = getAnalysis().tileSize,
    options: { prewarm?: boolean } = {},
  ): Promise<InferenceHandle> {
    const modelId = modelOfKey(key); // one worker per model, whichever channel is shown
    const existing = this.runtimes.get(modelId);
    if (existing && existing.backend === backend && existing.tileSize === tileSize) {
      if (!options.prewarm) existing.prewarm = false;
      return existing.handle;
    }
    this.stopModel(modelId);
    const prewarmed = options.prewarm === true;
    this.setInfo(modelId, { status: 'loading', backend: null, decision: null, error: null, prewarmed });
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.signal?.reason);
    this.signal?.addEventListener('abort', onAbort, { once: true });
    const handle = (async () => {
      const entry = await this.entry(modelId);
      // a user's card, else the one the model list already read: the worker need not fetch it again
      const card = this.givenCards.get(modelId) ?? (entry.card ? JSON.stringify(entry.card) : undefined);
      const started = this.engine.startInference(entry.url, {
        backend,
        card,
        signal: controller.signal,
        tileSize,
      });
      // a worker stopped while loading may never answer: settle on the abort instead
      started.then((h) => controller.signal.aborted && h.terminate()).catch(() => {});
      const h = await untilAborted(started, controller.signal);
      const d = h.decision;
      this.setInfo(modelId, { status: 'ready', backend: d.chosen, decision: d, error: null, prewarmed });
      if (backend !== 'auto' && d.chosen !== backend) {
        const why = d.timings.find((t) => t.backend === backend)?.error ?? 'not available in this browser';
        const name = backend === 'webgpu' ? 'WebGPU' : backend;
        this.notify('warning', `${name} could not run ${modelId} (${why}); using ${d.chosen} instead.`);
      }
      return h;
    })();
    const rt: Runtime = { backend, tileSize, handle, controller, prewarm: prewarmed, settled: false };
    this.runtimes.set(modelId, rt);
    handle
      .then(() => {
        rt.settled = true;
      })
      .catch((e) => {
        rt.settled = true;
        if (this.runtimes.get(modelId) !== rt) return; // replaced meanwhile: not this model's error
        this.runtimes.delete(modelId);
        this.setInfo(modelId, { status: 'error', backend: null, decision: null, error: errorText(e) });
        this.notify('error', `Model "${modelId}" could not be loaded: ${errorText(e)}`);
      })
      .finally(() => this.signal?.removeEventListener('abort', onAbort));
    return handle;
  }

  /** Stops the model's worker if it is still loading for the prewarm alone (no run asked for it). */
  releasePrewarm(key: string): void {
    const modelId = modelOfKey(key);
    const rt = this.runtimes.get(modelId);
    if (!rt?.prewarm || rt.settled) return;
    this.stopModel(modelId);
    const { [modelId]: _, ...rest } = getAnalysis().runtimes;
    setAnalysis({ runtimes: rest });
  }

  /** Stops every worker (a new backend was chosen): they restart on next use. */
  stopAll(): void {
    for (const id of [...this.runtimes.keys()]) this.stopModel(id);
    setAnalysis({ runtimes: {} });
  }

  /** The backend a model runs on now (null before its worker is up). */
  backendOf(key: string): string | null {
    return getAnalysis().runtimes[modelOfKey(key)]?.backend ?? null;
  }

  private stopModel(modelId: string): void {
    const rt = this.runtimes.get(modelId);
    if (!rt) return;
    this.onStop(modelId);
    this.runtimes.delete(modelId);
    stop(rt);
  }

  private setInfo(modelId: string, info: RuntimeInfo): void {
    setAnalysis({ runtimes: { ...getAnalysis().runtimes, [modelId]: info } });
  }
}
