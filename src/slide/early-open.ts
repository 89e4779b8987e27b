// A deep link's slide opened before the app's code has loaded: index.html (scripts/vite/
// early-slide-worker.ts) starts the slide worker while the page is still parsing and posts it this
// message; the worker starts opening at once, and the app's own open of the same slide, with the
// same options, takes that open over (slide-worker.ts) instead of starting a second one.

export const EARLY_OPEN_MESSAGE = 'mrn-early-open';

export interface EarlyOpenMessage {
  type: typeof EARLY_OPEN_MESSAGE;
  /** the ?slide= URL */
  input: string;
  /** `?coalesce=0` turns coalescing off */
  coalesce: boolean;
}

/** What an open must agree on to take over the early one (the read-ahead is added after). */
export function earlyOpenKey(o: {
  coalesce?: boolean;
  bearerToken?: string;
  name?: string;
  limits?: unknown;
  decoderPool?: boolean;
}): string {
  return JSON.stringify([
    o.coalesce !== false,
    o.bearerToken ?? null,
    o.name ?? null,
    o.limits ?? null,
    o.decoderPool !== false,
  ]);
}

/** The worker index.html started, with the slide it is opening, for the app to adopt (once). */
export interface EarlySlideWorker {
  worker: Worker;
  input: string;
}

/** The global index.html's script leaves the early worker in. */
export const EARLY_WORKER_GLOBAL = '__mrnEarlySlide';

/**
 * Takes the early worker if it is opening `input` (null otherwise, or when there is none); a worker
 * opening something else is terminated. Only the first call can get it.
 */
export function takeEarlySlideWorker(input: string): Worker | null {
  const g = globalThis as Record<string, unknown>;
  const early = g[EARLY_WORKER_GLOBAL] as EarlySlideWorker | undefined;
  if (!early) return null;
  delete g[EARLY_WORKER_GLOBAL];
  if (early.input === input) return early.worker;
  early.worker.terminate();
  return null;
}
