// A deep link's slide opened before the app's code has loaded: index.html (scripts/vite/
// early-slide-worker.ts) starts the slide worker while the page is still parsing, with the slide to
// open in the worker's name; the worker starts opening as soon as its script has run, and the app's
// own open of the same slide, with the same options, takes that open over (slide-worker.ts) instead
// of starting a second one. The name, not a message: a message posted to a worker that has not
// started yet is handed over by the page's main thread, which is busy then (the page's first
// layout and paint, its scripts), and arrived 20 ms after the worker's script had run.

/** What index.html asks the worker to open. */
export interface EarlyOpenRequest {
  /** the ?slide= URL */
  input: string;
  /** `?coalesce=0` turns coalescing off */
  coalesce: boolean;
}

/** The early worker's name starts with this; the request follows as JSON. */
export const EARLY_WORKER_NAME_PREFIX = 'slide ';

/** The name index.html gives the early worker (its script builds the same string). */
export function earlyWorkerName(request: EarlyOpenRequest): string {
  return EARLY_WORKER_NAME_PREFIX + JSON.stringify({ input: request.input, coalesce: request.coalesce });
}

/** The request in a worker's name, or null for any other worker (or a name that is not one). */
export function earlyOpenFromName(name: string): EarlyOpenRequest | null {
  if (!name.startsWith(EARLY_WORKER_NAME_PREFIX)) return null;
  try {
    const v = JSON.parse(name.slice(EARLY_WORKER_NAME_PREFIX.length)) as Partial<EarlyOpenRequest> | null;
    if (!v || typeof v.input !== 'string' || !v.input) return null;
    return { input: v.input, coalesce: v.coalesce !== false };
  } catch {
    return null;
  }
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
