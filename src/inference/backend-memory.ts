// Remembers the `auto` backend choice per browser and model, so a second visit skips the trial.
//
// Usage (main thread):
//   const prior = recallBackend(localStorage, url);      // 'wasm' | ... | null
//   rememberBackend(localStorage, url, decision.chosen);
//
// Stored in localStorage under `mrn-viewer.backend.v1:<model url>`, with the user agent: a browser
// update (new WebGPU, new drivers behind it) makes the choice stale, and then it is timed again.

import { BACKEND_ORDER, type BackendName } from './backend-types';

export const BACKEND_MEMORY_PREFIX = 'mrn-viewer.backend.v1:';

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const userAgent = () => (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? '';

export function recallBackend(store: Store | null | undefined, modelUrl: string): BackendName | null {
  try {
    const raw = store?.getItem(BACKEND_MEMORY_PREFIX + modelUrl);
    if (!raw) return null;
    const v = JSON.parse(raw) as { backend?: unknown; ua?: unknown };
    if (v.ua !== userAgent() || !BACKEND_ORDER.includes(v.backend as BackendName)) return null;
    return v.backend as BackendName;
  } catch {
    return null; // storage off (private mode, sandbox) or a corrupt entry
  }
}

export function rememberBackend(
  store: Store | null | undefined,
  modelUrl: string,
  backend: BackendName,
): void {
  try {
    store?.setItem(
      BACKEND_MEMORY_PREFIX + modelUrl,
      JSON.stringify({ backend, ua: userAgent(), at: new Date().toISOString() }),
    );
  } catch {
    // quota or storage off: the next visit times the backends again
  }
}

export function forgetBackend(store: Store | null | undefined, modelUrl: string): void {
  try {
    store?.removeItem(BACKEND_MEMORY_PREFIX + modelUrl);
  } catch {
    // nothing to forget
  }
}
