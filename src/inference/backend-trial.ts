// The `auto` backend choice as pure logic: which backends to try, in what order, how long each may
// take, and which one wins. The runner (inference-client.ts: a watchdog over the inference worker;
// engine.ts in Node) does the timing; tests drive this with fake timings.
//
// Why bounded trials: a software WebGPU/WebGL adapter (SwiftShader) spends tens of seconds compiling
// shaders for its first batch, and a blocked compile cannot be interrupted from inside the worker. Each
// GPU trial gets about a second; the runner cuts off one that overruns (terminating its worker), and
// records it as slow. A GPU backend found to run on a software renderer is not timed at all (the
// engine reports it): killing its worker does not stop the GPU process compiling, which then slows
// whatever runs next. wasm goes first, as the baseline that is always there; the plain-JS cpu backend
// is only tried when nothing else runs (it is never faster than wasm).

import type { BackendName } from './backend-types';

export interface TrialTiming {
  backend: BackendName;
  ok: boolean;
  /** median ms per batch of `batchSize` patches */
  msPerBatch?: number;
  /** first (shader-compiling) batch */
  warmupMs?: number;
  /** wall time of the whole trial, ms */
  trialMs?: number;
  /** true when the trial overran its deadline and was stopped */
  cutOff?: boolean;
  /** the software renderer (SwiftShader, llvmpipe) found behind a GPU backend, which is not timed */
  software?: string;
  error?: string;
}

export interface TrialPlanOptions {
  /** ms a trial may take (build, warm-up, timed batches; at least one timed batch); default 1000 */
  budgetMs?: number;
}

export const TRIAL_BUDGET_MS = 1000;

/** Trial order over the available backends: the wasm baseline first, then the GPU ones, cpu last. */
export function trialOrder(available: readonly BackendName[]): BackendName[] {
  const rank: Record<BackendName, number> = { wasm: 0, webgpu: 1, webgl: 2, cpu: 3 };
  return [...available].sort((a, b) => rank[a] - rank[b]);
}

/**
 * The budget of one backend's trial. The runner's watchdog cuts off a GPU trial that overruns it
 * (plus a small grace); the wasm baseline is never cut off (that would leave only cpu): it stops
 * timing at the budget but always finishes its first batch.
 */
export function trialBudget(_name: BackendName, options: TrialPlanOptions = {}): number {
  return options.budgetMs ?? TRIAL_BUDGET_MS;
}

/** Whether `name` still needs a trial, given the timings so far. */
export function needsTrial(name: BackendName, done: readonly TrialTiming[]): boolean {
  if (name !== 'cpu') return true;
  return !done.some((t) => t.ok);
}

/** The fastest backend that worked, or null. Ties keep the earlier trial. */
export function pickFastest(timings: readonly TrialTiming[]): BackendName | null {
  let best: TrialTiming | null = null;
  for (const t of timings) {
    if (!t.ok || t.msPerBatch === undefined || !Number.isFinite(t.msPerBatch)) continue;
    if (!best || t.msPerBatch < best.msPerBatch!) best = t;
  }
  return best?.backend ?? null;
}

/**
 * Runs the trials in order through `run(name, budgetMs)` and returns every timing and the winner.
 * `run` resolves a timing (cutOff when it overran); it should not throw, but a throw counts as a failure.
 */
export async function runTrials(
  available: readonly BackendName[],
  run: (name: BackendName, budgetMs: number) => Promise<TrialTiming>,
  options: TrialPlanOptions & { signal?: AbortSignal } = {},
): Promise<{ chosen: BackendName | null; timings: TrialTiming[] }> {
  const timings: TrialTiming[] = [];
  for (const name of trialOrder(available)) {
    options.signal?.throwIfAborted();
    if (!needsTrial(name, timings)) continue;
    try {
      timings.push(await run(name, trialBudget(name, options)));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      timings.push({
        backend: name,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { chosen: pickFastest(timings), timings };
}
