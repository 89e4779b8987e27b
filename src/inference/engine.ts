// The inference engine: picks a TF.js backend, loads a graph model, predicts fixed-size batches.
//
// Usage:
//   const engine = createEngine({ backend: 'auto', batchSize: 16, signal });
//   await engine.load(artifacts, spec);          // artifacts: tf.io.ModelArtifacts (model-loader.ts)
//   engine.decision;                              // { chosen: 'wasm', timings: [...], threads, ... }
//   // or step by step, as the inference client does with a watchdog over each trial:
//   engine.prepare(artifacts, spec); await engine.trial('webgpu', 1000); await engine.commit('wasm', 'auto', timings);
//   const probs = await engine.predict({ target, context }, count); // count ≤ batchSize patches
//   // on BackendLostError: await engine.fallback(); then retry the batch
//   engine.dispose();
//
// Shapes stay fixed ([batchSize, size, size, channels]) so WebGPU/WebGL compile shaders once;
// a short last batch is zero-padded here. Model artifacts are kept in memory so that switching
// backend (auto timing, fallback after device loss) rebuilds the model without refetching.

import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../util/error-message';
import { runTrials, type TrialTiming } from './backend-trial';
import {
  activateBackend,
  activeThreads,
  BACKEND_ORDER,
  type BackendChoice,
  BackendLostError,
  type BackendName,
  looksLikeDeviceLoss,
  registeredBackends,
  softwareRenderer,
  watchBackendLoss,
  webgpuAdapterInfo,
} from './backends';
import { flipAveraged } from './flip-average';
import { type FlipCount, isFlipCount } from './flip-count';
import { fuseConvGraph } from './fuse-conv-graph';
import { checkModelSignature, type EngineModelSpec, patchLength } from './model-spec';

export interface EngineOptions {
  backend: BackendChoice;
  /** patches per predict call; fixed for the life of the engine */
  batchSize?: number;
  signal?: AbortSignal;
  /** backends to consider, in fallback order (default webgpu, webgl, wasm, cpu) */
  candidates?: readonly BackendName[];
  /** at most this many timed batches per backend during a trial (after one untimed warm-up); default 3 */
  timingRuns?: number;
  /**
   * A GPU backend's trial (build, warm-up, timed batches) stops timing after this long (at least one
   * timed batch); default 1000 ms. In-process it cannot interrupt a running batch: the inference
   * client's watchdog does that (backend-trial.ts).
   */
  timingBudgetMs?: number;
  /**
   * Runs the graph optimised (default true): Conv2D → BiasAdd → Relu chains fused into one op
   * (fuse-conv-graph.ts). false runs the graph as exported: the benchmarks' legacy rows.
   */
  optimize?: boolean;
}

export type BackendTiming = TrialTiming;

export interface BackendDecision {
  requested: BackendChoice;
  chosen: BackendName;
  timings: BackendTiming[];
  /** WebGPU adapter vendor/architecture when WebGPU was chosen */
  adapter: string | null;
  /** backends given up after a device loss, in order */
  lost: BackendName[];
  /** threads the chosen backend computes on: wasm's XNNPACK pool, 1 for cpu, null for a GPU */
  threads: number | null;
  /** Conv2D chains fused into one op in the graph that runs (0 with `optimize: false`) */
  fusedConvs: number;
  /** whether the page was cross-origin isolated (SharedArrayBuffer, threaded wasm) */
  isolated: boolean;
  /** 'auto' reused this browser's remembered choice instead of timing the backends */
  remembered: boolean;
  /** wall ms from the start of the load to a ready backend (trials, build and warm-up) */
  selectMs: number;
  /** where the load's time went (inference-client.ts fills it; the engine gives build and warm-up) */
  phases?: LoadPhases;
}

/** ms of each step of starting a model's worker (press-h's breakdown). */
export interface LoadPhases {
  /** worker started, its script loaded, card and weights fetched and parsed (page side) */
  workerMs?: number;
  /** of which fetching and parsing the card, graph and weights (worker side) */
  fetchMs?: number;
  /** the `auto` trials (0 when the choice was remembered or explicit) */
  trialsMs?: number;
  /** settling on the chosen backend (page side: build, warm-up and any timing there) */
  commitMs?: number;
  /** the last build: activating the backend and building the graph there */
  buildMs?: number;
  /** the last build's warm-up batch (shader compile, first XNNPACK setup) */
  warmupMs?: number;
}

export interface Engine {
  /** patches per predict call (the card's fixed batch when it has one) */
  readonly batchSize: number;
  readonly backend: BackendName | null;
  readonly decision: BackendDecision | null;
  readonly spec: EngineModelSpec | null;
  load(artifacts: tf.io.ModelArtifacts, spec: EngineModelSpec): Promise<BackendDecision>;
  /** Keeps the model for trial/commit without choosing a backend yet. */
  prepare(artifacts: tf.io.ModelArtifacts, spec: EngineModelSpec): void;
  /**
   * Builds on `name` and times it within about `budgetMs` (at least one timed batch); never throws.
   * A software GPU renderer is reported (`software`) without timing it.
   */
  trial(name: BackendName, budgetMs?: number): Promise<BackendTiming>;
  /**
   * Settles on `name` (building there unless the last trial was on it) and records the decision;
   * when `name` fails, the next backends in order are tried as with an explicit choice.
   */
  commit(
    name: BackendName,
    requested: BackendChoice,
    timings: BackendTiming[],
    extra?: { remembered?: boolean; startedAt?: number },
  ): Promise<BackendDecision>;
  /**
   * Runs `count` patches. `inputs[name]` holds count (or batchSize) patches NHWC float32.
   * Returns count × outputSize² probabilities of output channel `channel` (index into the card's
   * channels; default the tumour channel), averaged over `flips` flipped copies of the inputs
   * (flip-average.ts; default 1, none). Throws BackendLostError on device loss.
   */
  predict(
    inputs: Record<string, Float32Array>,
    count: number,
    channel?: number,
    flips?: FlipCount,
  ): Promise<Float32Array>;
  /** After a BackendLostError: moves to the next working backend in order and reloads the model. */
  fallback(): Promise<BackendName>;
  dispose(): void;
}

export function createEngine(options: EngineOptions): Engine {
  let batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer`);
  const candidates = options.candidates ?? BACKEND_ORDER;
  const timingRuns = options.timingRuns ?? 3;
  const timingBudgetMs = options.timingBudgetMs ?? 1000;
  let artifacts: tf.io.ModelArtifacts | null = null;
  const optimize = options.optimize ?? true;
  let fusedConvs = 0;
  let spec: EngineModelSpec | null = null;
  let model: tf.GraphModel | null = null;
  let backend: BackendName | null = null;
  let decision: BackendDecision | null = null;
  let lostReason: string | null = null;
  let unwatch: () => void = () => {};
  const lost: BackendName[] = [];
  let lastBuild: { buildMs: number; warmupMs: number } | null = null;

  const disposeModel = () => {
    unwatch();
    try {
      model?.dispose();
    } catch {
      // a lost device may refuse to free its buffers; nothing else to do
    }
    model = null;
  };

  /** Activates `name`, builds the model there, checks it and runs one warm-up batch. */
  const buildOn = async (name: BackendName): Promise<number> => {
    if (!artifacts || !spec) throw new Error('no model loaded');
    const b0 = performance.now();
    if (!(await activateBackend(name))) throw new Error(`${name} backend is not available here`);
    const m = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    const problems = checkModelSignature(m, spec);
    if (problems.length > 0) {
      m.dispose();
      throw new Error(`model '${spec.id}' does not match its card: ${problems.join('; ')}`);
    }
    disposeModel();
    model = m;
    backend = name;
    lostReason = null;
    unwatch = watchBackendLoss((reason) => {
      lostReason = reason;
    });
    const t0 = performance.now();
    await runBatch(zeroFeeds());
    const warmupMs = performance.now() - t0;
    lastBuild = { buildMs: t0 - b0, warmupMs };
    return warmupMs;
  };

  const zeroFeeds = (): Record<string, Float32Array> => {
    const feeds: Record<string, Float32Array> = {};
    for (const input of spec!.inputs) feeds[input.name] = new Float32Array(batchSize * patchLength(input));
    return feeds;
  };

  const runBatch = async (
    feeds: Record<string, Float32Array>,
    channel?: number,
    flips: FlipCount = 1,
  ): Promise<Float32Array> => {
    const m = model!;
    const s = spec!;
    // the graph and its activation once per symmetry (flip-average.ts), probabilities averaged
    const probabilities = (named: Record<string, tf.Tensor4D>): tf.Tensor4D => {
      let y = m.execute(named, s.output.name) as tf.Tensor4D;
      // graph outputs carry no static shape in tfjs: the first (warm-up) batch checks the card's channels
      const o = s.output;
      const want = [batchSize, o.size, o.size, o.channels];
      if (y.shape.join() !== want.join()) {
        throw new Error(
          `model '${s.id}' does not match its card: output '${o.name}' has shape [${y.shape.join(', ')}], card says [${want.join(', ')}]${y.shape.length === 4 && y.shape[3] !== o.channels ? ` (the card declares ${o.channels} output channel(s), the graph has ${y.shape[3]})` : ''}`,
        );
      }
      // a graph emitting logits: the card says which activation the viewer applies
      if (s.output.activation === 'softmax') y = tf.softmax(y, -1);
      else if (s.output.activation === 'sigmoid') y = tf.sigmoid(y);
      return y;
    };
    const out = tf.tidy(() => {
      const named: Record<string, tf.Tensor4D> = {};
      for (const input of s.inputs) {
        named[input.name] = tf.tensor4d(feeds[input.name], [
          batchSize,
          input.size,
          input.size,
          input.channels,
        ]);
      }
      let y: tf.Tensor = flipAveraged(named, flips, probabilities);
      // several named channels: return the one asked for (default the tumour channel)
      if (s.output.channels > 1) y = tf.slice(y, [0, 0, 0, channel ?? s.output.select ?? 0], [-1, -1, -1, 1]);
      return y;
    });
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  };

  const timeBackend = async (
    name: BackendName,
    budgetMs = timingBudgetMs,
    skipSoftware = false,
  ): Promise<BackendTiming> => {
    const started = performance.now();
    try {
      if (skipSoftware && (name === 'webgpu' || name === 'webgl') && (await activateBackend(name))) {
        const renderer = softwareRenderer();
        if (renderer)
          return {
            backend: name,
            ok: false,
            software: renderer,
            error: `software renderer (${renderer}): slower than wasm, not timed (choose it to use it)`,
            trialMs: performance.now() - started,
          };
      }
      const warmupMs = await buildOn(name);
      const runs: number[] = [];
      const feeds = zeroFeeds();
      // a slow backend (e.g. software WebGPU) is measured once and not kept waiting on
      for (let i = 0; i < timingRuns && (i === 0 || performance.now() - started < budgetMs); i++) {
        options.signal?.throwIfAborted();
        const t0 = performance.now();
        await runBatch(feeds);
        runs.push(performance.now() - t0);
      }
      runs.sort((a, b) => a - b);
      return {
        backend: name,
        ok: true,
        warmupMs,
        msPerBatch: runs[Math.floor(runs.length / 2)],
        trialMs: performance.now() - started,
      };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return {
        backend: name,
        ok: false,
        error: errorMessage(error),
        trialMs: performance.now() - started,
      };
    }
  };

  const setModel = (newArtifacts: tf.io.ModelArtifacts, newSpec: EngineModelSpec) => {
    disposeModel();
    const optimised = optimize
      ? fuseConvGraph(newArtifacts, [newSpec.output.name])
      : { artifacts: newArtifacts, fused: 0 };
    artifacts = optimised.artifacts;
    fusedConvs = optimised.fused;
    spec = newSpec;
    // a graph exported with a fixed batch dictates ours
    if (newSpec.batchSize !== undefined && newSpec.batchSize > 0) batchSize = newSpec.batchSize;
  };

  const available = () => candidates.filter((b) => registeredBackends().includes(b));

  /** `first` if it builds, else the next backends in order; appends the timings of new attempts. */
  const settleFrom = async (first: BackendName, timings: BackendTiming[]): Promise<BackendName> => {
    const order = available();
    for (const name of order.slice(Math.max(0, order.indexOf(first)))) {
      options.signal?.throwIfAborted();
      if (backend === name && model) return name; // the last trial left it built and warm
      if (timings.some((t) => t.backend === name && t.ok)) {
        // timed already (then another backend was tried): rebuild it, no second timing
        try {
          await buildOn(name);
          return name;
        } catch (error) {
          if (options.signal?.aborted) throw error;
          timings.push({
            backend: name,
            ok: false,
            error: errorMessage(error),
          });
          continue;
        }
      }
      const t = await timeBackend(name);
      timings.push(t);
      if (t.ok) return name;
    }
    throw new Error(`no backend could run the model: ${JSON.stringify(timings)}`);
  };

  const decide = (
    requested: BackendChoice,
    chosen: BackendName,
    timings: BackendTiming[],
    remembered: boolean,
    startedAt: number,
  ): BackendDecision => ({
    requested,
    chosen,
    timings,
    adapter: webgpuAdapterInfo(),
    lost,
    threads: activeThreads(),
    fusedConvs,
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    remembered,
    selectMs: performance.now() - startedAt,
    ...(lastBuild ? { phases: { ...lastBuild } } : {}),
  });

  const engine: Engine = {
    get batchSize() {
      return batchSize;
    },
    get backend() {
      return backend;
    },
    get decision() {
      return decision;
    },
    get spec() {
      return spec;
    },

    async load(newArtifacts, newSpec) {
      const startedAt = performance.now();
      setModel(newArtifacts, newSpec);
      if (options.backend === 'auto') {
        // Time the backends on the real model: a software WebGPU adapter can be far slower than wasm.
        const { chosen, timings } = await runTrials(
          available(),
          (name, budget) => timeBackend(name, budget),
          {
            budgetMs: timingBudgetMs,
            signal: options.signal,
          },
        );
        if (!chosen) throw new Error(`no backend could run the model: ${JSON.stringify(timings)}`);
        decision = decide('auto', await settleFrom(chosen, timings), timings, false, startedAt);
      } else {
        // Explicit choice: that backend, else the next ones in order.
        const timings: BackendTiming[] = [];
        decision = decide(
          options.backend,
          await settleFrom(options.backend, timings),
          timings,
          false,
          startedAt,
        );
      }
      return decision;
    },

    prepare(newArtifacts, newSpec) {
      setModel(newArtifacts, newSpec);
    },

    trial(name, budgetMs) {
      if (!artifacts || !spec) return Promise.reject(new Error('no model loaded'));
      return timeBackend(name, budgetMs, true);
    },

    async commit(name, requested, timings, extra = {}) {
      if (!artifacts || !spec) throw new Error('no model loaded');
      const all = [...timings];
      const chosen = await settleFrom(name, all);
      decision = decide(
        requested,
        chosen,
        all,
        extra.remembered ?? false,
        extra.startedAt ?? performance.now(),
      );
      return decision;
    },

    async predict(inputs, count, channel, flips = 1) {
      if (!model || !spec || !backend) throw new Error('no model loaded');
      if (!isFlipCount(flips)) throw new RangeError(`flips ${flips} is not 1, 2, 4 or 8`);
      if (!(count >= 1 && count <= batchSize)) throw new Error(`count ${count} outside 1..${batchSize}`);
      if (
        channel !== undefined &&
        !(Number.isInteger(channel) && channel >= 0 && channel < spec.output.channels)
      )
        throw new RangeError(`output channel ${channel} outside 0..${spec.output.channels - 1}`);
      if (lostReason) throw new BackendLostError(backend, lostReason);
      const feeds: Record<string, Float32Array> = {};
      for (const input of spec.inputs) {
        const data = inputs[input.name];
        const per = patchLength(input);
        if (!data || data.length < count * per)
          throw new Error(`input '${input.name}' holds fewer than ${count} patches`);
        if (data.length === batchSize * per) feeds[input.name] = data;
        else {
          // pad the short last batch so the shape (and compiled shaders) stay the same
          const padded = new Float32Array(batchSize * per);
          padded.set(data.subarray(0, count * per));
          feeds[input.name] = padded;
        }
      }
      let out: Float32Array;
      try {
        out = await runBatch(feeds, channel, flips);
      } catch (error) {
        if (lostReason || looksLikeDeviceLoss(error)) {
          throw new BackendLostError(backend, lostReason ?? String(error), error);
        }
        throw error;
      }
      if (lostReason) throw new BackendLostError(backend, lostReason);
      return out.slice(0, count * spec.output.size * spec.output.size);
    },

    async fallback() {
      if (!backend) throw new Error('no model loaded');
      const failed = backend;
      lost.push(failed);
      disposeModel();
      try {
        tf.removeBackend(failed); // a lost device cannot come back in this page
      } catch {
        // already gone
      }
      backend = null;
      const rest = candidates
        .slice(candidates.indexOf(failed) + 1)
        .filter((b) => registeredBackends().includes(b));
      for (const name of rest) {
        options.signal?.throwIfAborted();
        const t = await timeBackend(name);
        decision?.timings.push(t);
        if (t.ok) {
          if (decision) {
            decision.chosen = name;
            decision.threads = activeThreads();
          }
          return name;
        }
      }
      throw new Error(`no backend left after losing ${lost.join(', ')}`);
    },

    dispose() {
      disposeModel();
      artifacts = null;
      backend = null;
    },
  };
  return engine;
}
