// Main-thread handle on the inference worker, shaped as the scheduler's Predictor.
//
// Usage:
//   const inference = await startInference('models/test-tiny-mrn/', { backend: 'auto' });
//   inference.decision;   // chosen backend + timings, threads, remembered, selectMs
//   runAnalysis({ ..., predictor: inference, spec: inference.spec, geometry: inference.geometry });
//   inference.terminate();
//
// `auto` (backend-trial.ts): wasm first, then each GPU backend for about a second, each GPU trial in
// its own worker started beside the main one; a trial that overruns is cut off by terminating its
// worker (a blocked shader compile cannot be interrupted from inside it). A GPU winner's worker,
// already warm, becomes the inference worker. The winner is remembered per browser and model
// (backend-memory.ts), so a second visit starts on it at once.
//
// BackendLostError does not survive structured cloning as a class, so errors whose name is
// 'BackendLostError' are rebuilt here and the scheduler's fallback logic works unchanged.

import { type Remote, wrap } from 'comlink';
import type { PatchGeometry } from '../geometry/patch-geometry';
import { perfMark } from '../util/perf-mark';
import { recallBackend, rememberBackend } from './backend-memory';
import { runTrials, type TrialTiming } from './backend-trial';
import { type BackendChoice, BackendLostError, type BackendName } from './backend-types';
import type { BackendDecision, LoadPhases } from './engine';
import type { FlipCount } from './flip-count';
import type { InferenceWorkerApi } from './inference-worker';
import type { ModelCard } from './model-card';
import type { EngineModelSpec } from './model-spec';
import { wantedThreads } from './wasm-threads-count';

export interface InferenceHandle {
  readonly batchSize: number;
  readonly decision: BackendDecision;
  readonly card: ModelCard;
  readonly spec: EngineModelSpec;
  readonly geometry: PatchGeometry;
  /**
   * `channel`: index into the card's output channels (default the tumour channel); `flips`: the
   * test-time flip averaging (flip-average.ts; default 1, none)
   */
  predict(
    inputs: Record<string, Float32Array>,
    count: number,
    channel?: number,
    flips?: FlipCount,
  ): Promise<Float32Array>;
  fallback(): Promise<string>;
  /** TF.js's live tensors and bytes in the worker (leak checks). */
  memory(): Promise<{ numTensors: number; numBytes: number; backend: string }>;
  terminate(): void;
}

export interface InferenceOptions {
  backend: BackendChoice;
  batchSize?: number;
  card?: ModelCard | string;
  signal?: AbortSignal;
  /** wasm threads; default one per core the page reports (1 when not cross-origin isolated) */
  threads?: number;
  /** inference tile edge (target px; model-tiles.ts chooseTileSize): null/absent the default, 64 the trained patch */
  tileSize?: number | null;
  /** ms a GPU backend's `auto` trial may take; default 1000 */
  trialBudgetMs?: number;
  /** remember/recall the `auto` choice here; default localStorage, null for neither */
  memory?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** run the graph optimised (fused convs; engine.ts `optimize`); default true */
  optimize?: boolean;
}

/** Extra ms beyond a trial's budget before the watchdog cuts it off (messages, a batch in flight). */
const WATCHDOG_GRACE_MS = 200;

/** Backends whose trials run in their own worker, which the watchdog may terminate. */
const GPU_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl'];

const defaultStorage = () => {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
};

/** The model's name in timeline marks: its directory (`/models/unet/` → `unet`). */
const markName = (url: string) =>
  url
    .replace(/\/?(model[^/]*\.json)?$/, '')
    .split('/')
    .pop() || url;

export async function startInference(url: string, options: InferenceOptions): Promise<InferenceHandle> {
  const startedAt = performance.now();
  const tag = markName(url);
  perfMark(`load-start:${tag}`);
  const phases: LoadPhases = {};
  const isolated = globalThis.crossOriginIsolated === true;
  const threads = options.threads ?? wantedThreads(globalThis.navigator?.hardwareConcurrency, isolated);
  const memory = options.memory === undefined ? defaultStorage() : options.memory;

  const spawn = async () => {
    const worker = new Worker(new URL('./inference-worker.ts', import.meta.url), { type: 'module' });
    const remote: Remote<InferenceWorkerApi> = wrap<InferenceWorkerApi>(worker);
    try {
      const loaded = await remote.init(url, {
        batchSize: options.batchSize,
        card: options.card,
        threads,
        tileSize: options.tileSize,
        optimize: options.optimize,
      });
      return { worker, remote, loaded };
    } catch (error) {
      worker.terminate();
      throw error;
    }
  };

  type Spawned = Awaited<ReturnType<typeof spawn>>;
  let current: Spawned | null = null;
  /** GPU trial workers, started beside the main one so that a cut-off trial costs no restart */
  const trialWorkers = new Map<BackendName, Promise<Spawned>>();
  const terminateAll = () => {
    current?.worker.terminate();
    for (const p of trialWorkers.values())
      void p.then(
        (w) => w.worker.terminate(),
        () => {},
      );
  };
  options.signal?.addEventListener('abort', terminateAll, { once: true });
  const checkAborted = () => options.signal?.throwIfAborted();
  try {
    const prior = options.backend === 'auto' ? recallBackend(memory, url) : null;
    const main = spawn();
    if (options.backend === 'auto' && !prior) {
      for (const gpu of GPU_BACKENDS) {
        const w = spawn();
        w.catch(() => {}); // reported as that backend's failed trial
        trialWorkers.set(gpu, w);
      }
    }
    current = await main;
    phases.workerMs = performance.now() - startedAt;
    phases.fetchMs = current.loaded.fetchMs;
    perfMark(`worker-loaded:${tag}`);
    checkAborted();
    let decision: BackendDecision;
    let committedAt = performance.now();
    const available = current.loaded.available as BackendName[];
    if (options.backend !== 'auto') {
      decision = await current.remote.commit(options.backend, options.backend, []);
    } else if (prior && available.includes(prior)) {
      decision = await current.remote.commit(prior, 'auto', [], true);
    } else {
      // all workers loaded before any timing, so no trial shares the CPU with a worker's start
      await Promise.allSettled(trialWorkers.values());
      checkAborted();
      const { chosen, timings } = await runTrials(
        available,
        async (name, budgetMs) => {
          const pending = trialWorkers.get(name);
          if (!pending) return current!.remote.trial(name, budgetMs);
          const w = await pending;
          const deadline = budgetMs + WATCHDOG_GRACE_MS;
          let timer: ReturnType<typeof setTimeout> | undefined;
          const overrun = new Promise<null>((resolve) => {
            timer = setTimeout(() => resolve(null), deadline);
          });
          const result = await Promise.race([w.remote.trial(name, budgetMs), overrun]).finally(() =>
            clearTimeout(timer),
          );
          if (result) return result;
          w.worker.terminate();
          trialWorkers.delete(name);
          return {
            backend: name,
            ok: false,
            cutOff: true,
            trialMs: deadline,
            error: `cut off: no timed batch within ${deadline} ms`,
          } satisfies TrialTiming;
        },
        { budgetMs: options.trialBudgetMs, signal: options.signal },
      );
      if (!chosen) throw new Error(`no backend could run the model: ${JSON.stringify(timings)}`);
      committedAt = performance.now();
      phases.trialsMs = committedAt - startedAt - phases.workerMs;
      perfMark(`trials-done:${tag}`);
      const winner = trialWorkers.get(chosen);
      if (winner) {
        // the GPU trial's worker is built and warm on the winner: keep it
        current.worker.terminate();
        current = await winner;
        trialWorkers.delete(chosen);
      }
      decision = await current.remote.commit(chosen, 'auto', timings);
      rememberBackend(memory, url, decision.chosen);
    }
    for (const p of trialWorkers.values())
      void p.then(
        (w) => w.worker.terminate(),
        () => {},
      );
    trialWorkers.clear();
    checkAborted();
    const readyAt = performance.now();
    perfMark(`backend-ready:${tag}`);
    decision = {
      ...decision,
      selectMs: readyAt - startedAt,
      phases: {
        ...phases,
        trialsMs: phases.trialsMs ?? 0,
        commitMs: readyAt - committedAt,
        ...decision.phases,
      },
    };
    const { remote, worker, loaded } = current;
    return {
      batchSize: loaded.batchSize,
      card: loaded.card,
      spec: loaded.spec,
      geometry: loaded.geometry,
      decision,
      async predict(inputs, count, channel, flips) {
        try {
          // copied, not transferred: the scheduler retries the same batch after a fallback
          return await remote.predict(inputs, count, channel, flips);
        } catch (error) {
          if (error instanceof Error && error.name === 'BackendLostError') {
            throw new BackendLostError(decision.chosen, error.message, error);
          }
          throw error;
        }
      },
      fallback: () => remote.fallback(),
      memory: () => remote.memory(),
      terminate: () => worker.terminate(),
    };
  } catch (error) {
    terminateAll();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', terminateAll);
  }
}
