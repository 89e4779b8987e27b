// Prewarm: while the user looks at an open slide, start the workers that pressing H needs (the
// chosen model's screen first, then the model), so the backend is chosen (or recalled) and the
// models are fetched, built and warmed up before the key press. It waits for an idle page, gives
// way as soon as a run starts (a load the run needs is taken over by it, one it does not need is
// stopped), and `?prewarm=0` / the panel's setting turn it off.
//
//   const prewarm = new Prewarm({ enabled, targets, warm, release, idle, publish });
//   prewarm.schedule();   // a slide opened, or the model changed
//   prewarm.yieldTo();    // a run starts
//   prewarm.cancel();     // the slide closed, or the setting went off

import type { ModelEntry } from '../../analysis/model-index';
import { isAbortError, newAbortError } from '../../util/abort';
import type { PrewarmInfo } from '../analysis-store';
import { screenFor } from './cascade-run';

export interface PrewarmDeps {
  enabled(): boolean;
  /** the models to warm, in order */
  targets(signal: AbortSignal): Promise<string[]>;
  /** starts (or finds) the model's worker, marked as the prewarm's until a run asks for it */
  warm(id: string): Promise<unknown>;
  /** stops the model's worker if it is still loading for the prewarm alone */
  release(id: string): void;
  /** resolves once the page is idle; rejects when `signal` aborts */
  idle(signal: AbortSignal): Promise<void>;
  publish(info: PrewarmInfo): void;
  now?(): number;
}

/**
 * What pressing H with `model` needs first: its screen (when the setting wants one), then itself;
 * in compare mode (`right`: the right viewer's model) the right one's too, after them, each once.
 */
export function prewarmTargets(
  model: string | null,
  models: readonly ModelEntry[],
  cascade: boolean,
  right: string | null = null,
): string[] {
  const out: string[] = [];
  for (const id of [model, right]) {
    const card = models.find((m) => m.id === id)?.card;
    if (!id || !card) continue;
    const screen = screenFor(card, models, cascade);
    for (const t of screen ? [screen.id, id] : [id]) if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Waits `delayMs`, then for an idle period (requestIdleCallback where there is one). */
export function browserIdle(delayMs = 1000, idleTimeoutMs = 3000) {
  return (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        if (handle !== null) globalThis.cancelIdleCallback?.(handle);
        reject(signal.reason);
      };
      let handle: number | null = null;
      const timer = setTimeout(() => {
        const done = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        if (typeof globalThis.requestIdleCallback === 'function')
          handle = globalThis.requestIdleCallback(done, { timeout: idleTimeoutMs });
        else done();
      }, delayMs);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
}

const idleInfo = (enabled: boolean): PrewarmInfo => ({
  enabled,
  state: enabled ? 'idle' : 'off',
  models: [],
  ready: [],
  ms: null,
  modelMs: {},
  error: null,
});

export class Prewarm {
  private controller: AbortController | null = null;
  /** targets whose load the prewarm started and has not seen finish */
  private readonly inFlight = new Set<string>();
  private info: PrewarmInfo;

  constructor(private readonly deps: PrewarmDeps) {
    this.info = idleInfo(deps.enabled());
  }

  get current(): PrewarmInfo {
    return this.info;
  }

  /** Starts over: waits for an idle page, then warms the targets one after the other. */
  schedule(): Promise<void> {
    this.stop('superseded');
    if (!this.deps.enabled()) {
      this.set(idleInfo(false));
      return Promise.resolve();
    }
    const controller = new AbortController();
    this.controller = controller;
    return this.warmAll(controller.signal).finally(() => {
      if (this.controller === controller) this.controller = null;
    });
  }

  /** A run starts: start nothing more; loads the run does not take over are stopped. */
  yieldTo(): void {
    if (this.stop('a run started')) this.set({ ...this.info, state: 'yielded' });
  }

  /** The slide closed or the setting went off. */
  cancel(): void {
    if (this.stop('cancelled')) this.set({ ...this.info, state: 'aborted' });
    if (!this.deps.enabled() && this.info.state !== 'off')
      this.set({ ...this.info, enabled: false, state: 'off' });
  }

  /** Aborts the loop and releases the loads in flight; true when there was a loop to stop. */
  private stop(why: string): boolean {
    const c = this.controller;
    if (!c) return false;
    this.controller = null;
    c.abort(newAbortError(why));
    for (const id of this.inFlight) this.deps.release(id);
    this.inFlight.clear();
    return true;
  }

  private async warmAll(signal: AbortSignal): Promise<void> {
    const now = () => (this.deps.now ?? (() => performance.now()))();
    this.set({ ...idleInfo(true), state: 'waiting' });
    try {
      await this.deps.idle(signal);
      const models = await this.deps.targets(signal);
      signal.throwIfAborted();
      const t0 = now();
      this.set({ ...this.info, state: 'running', models });
      for (const id of models) {
        signal.throwIfAborted();
        const m0 = now();
        this.inFlight.add(id);
        // a run that asks for it meanwhile takes the same load over (ModelRuntimes.runtime)
        await Promise.race([this.deps.warm(id), aborted(signal)]);
        this.inFlight.delete(id);
        this.set({
          ...this.info,
          ready: [...this.info.ready, id],
          modelMs: { ...this.info.modelMs, [id]: Math.round(now() - m0) },
        });
      }
      this.set({ ...this.info, state: 'done', ms: Math.round(now() - t0) });
    } catch (e) {
      if (signal.aborted) return; // yielded, cancelled or superseded: the caller set the state
      this.inFlight.clear();
      // a worker stopped under it (a new backend or tile size was chosen) is not a failure
      if (isAbortError(e)) this.set({ ...this.info, state: 'aborted' });
      else this.set({ ...this.info, state: 'error', error: e instanceof Error ? e.message : String(e) });
    }
  }

  private set(info: PrewarmInfo): void {
    this.info = info;
    this.deps.publish(info);
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
