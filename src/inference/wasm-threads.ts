// Browser-only: how many threads tfjs-backend-wasm's XNNPACK pool gets, set before the backend starts.
//
// Usage (in the inference worker, before the first tf.setBackend('wasm')):
//   configureWasmThreads(wantedThreads(pageHardwareConcurrency, crossOriginIsolated));
//
// Threads need SharedArrayBuffer, i.e. a cross-origin isolated page; without it the backend runs its
// single-threaded binary whatever is asked. tfjs caps the pool at navigator.hardwareConcurrency / 2 (it
// assumes two hyperthreads per core), read once when the wasm module starts; on a 2-core machine that
// is 1 thread although 2 run 1.3× faster here. So the worker's navigator reports enough cores for the
// count we ask for. The page passes its own hardwareConcurrency: a worker's may differ (and tests
// report a larger one to the page).

import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export { MAX_WASM_THREADS, wantedThreads } from './wasm-threads-count';

let configured: number | null = null;

export function configureWasmThreads(threads: number): void {
  if (configured !== null) return; // the pool is sized once, when the module first starts
  configured = threads;
  setThreadsCount(threads);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav) return;
  const needed = threads * 2;
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => needed });
  } catch {
    // a browser that refuses: tfjs then uses half the worker's own count
  }
}
